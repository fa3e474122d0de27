FROM alpine:3.20
ENV UPSTREAM=http://upstream:9000
