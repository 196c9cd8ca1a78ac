# syntax=docker/dockerfile:1
# The marketplace gateway as a container image: built in a full Rust image, run in a slim one
# as an unprivileged user. `docker compose up` uses it with PostgreSQL, Meilisearch and Redis.
#
# The registry and the build directory are BuildKit cache mounts: a rebuild after a source
# change recompiles the workspace's crates only, not the dependencies.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p gateway \
 && install -D target/release/marketplace /out/marketplace

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/marketplace marketplace \
 && install -d -o marketplace -g marketplace /var/lib/marketplace
COPY --from=build /out/marketplace /usr/local/bin/marketplace
USER marketplace
WORKDIR /var/lib/marketplace
ENV MARKETPLACE_HTTP__LISTEN=0.0.0.0:8080 \
    MARKETPLACE_DATA__DIR=/var/lib/marketplace \
    MARKETPLACE_LOG__FORMAT=json
EXPOSE 8080
VOLUME ["/var/lib/marketplace"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["marketplace", "healthcheck"]
ENTRYPOINT ["marketplace"]
CMD ["serve"]
