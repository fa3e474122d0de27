FROM alpine:3.20
ENV UPSTREAM=http://Upstream:9000
