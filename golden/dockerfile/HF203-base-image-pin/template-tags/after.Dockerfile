# A Jinja template of a Dockerfile (OpenHands' runtime_templates/Dockerfile.j2,
# vaultwarden's docker/Dockerfile.j2): its base image is whatever renders there.
FROM {{ base_image }}
FROM {{base_image}} AS build
FROM {{ .BaseImage }}:{{ .Tag }}
FROM python:{{ python_version }}-slim
