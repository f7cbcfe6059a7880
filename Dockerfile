# syntax=docker/dockerfile:1
# gridgov: a static, pure-Go binary (no cgo) in an empty image, run as a non-root user.
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64,linux/loong64 -t gridgov .
# (the build stage runs on the builder's own platform and cross-compiles for the target).

FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w" -o /out/gridgov ./cmd/gridgov
# The data directory for the embedded SQLite store, owned by the runtime user.
RUN mkdir -p /out/data && chown 65532:65532 /out/data

FROM scratch
# CA certificates for PostgreSQL over TLS (sslmode=verify-full); the time zone database is
# compiled into the binary (time/tzdata), so none is needed here.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/gridgov /usr/local/bin/gridgov
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
ENV GRIDGOV_ADDR=0.0.0.0:8080 \
    GRIDGOV_DATABASE_URL=/data/gridgov.db
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/gridgov"]
CMD ["serve"]
