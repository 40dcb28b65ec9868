# VenueBridge container image: `venue-bridge` (the service, the default entrypoint) and
# `venue-sim` (the venue simulators used by compose.yaml), both statically linked against the
# Swift runtime, on a slim Debian with only the C libraries they load at run time.
#
#   docker build -t venue-bridge:local .
#   docker run --rm venue-bridge:local check-config --config /etc/venue-bridge/venue-bridge.example.yaml
#
# Builder image: the official Swift image for Debian 12 "bookworm". Two reasons for this tag:
#   - Swift 6.3 is the toolchain CI builds and tests with (Swift 6.3.1; Package.swift needs
#     tools 6.1 or newer), so the image compiles exactly what CI tested, same language mode and
#     same dependency resolution rules.
#   - bookworm, because the runtime stage is debian:bookworm-slim: the binary links against the
#     librdkafka and hiredis sonames of the Debian release it was built on (librdkafka.so.1 from
#     librdkafka 2.0.2, libhiredis.so.0.14), so builder and runtime must be the same release.
# Override with --build-arg SWIFT_IMAGE=swift:<6.x>-bookworm; only Swift 6.3 is what CI tests.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ------------------------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build

# Headers and pkg-config data of the system libraries (CRdKafka uses pkg-config `rdkafka`;
# pkg-config itself ships with the Swift image). Versions are not pinned (DL3008): bookworm's
# archive keeps only the current version of each package, so a pin breaks at the next security
# update; the Debian release is the pin.
# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends librdkafka-dev libhiredis-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Dependencies first, so they are cached until Package.swift changes. Package.resolved is not
# tracked in git (versions float within the `from:` ranges, as in CI); .dockerignore keeps a
# local one out of the build context.
COPY Package.swift ./
RUN swift package resolve

COPY . .

# Release build with the Swift runtime (stdlib, Foundation, Dispatch) linked in statically, so the
# runtime image needs no Swift toolchain. Resource bundles (`*.resources`, none today) are copied
# next to the binaries, where Bundle.module looks for them. No BuildKit-only syntax (RUN --mount)
# anywhere, so the legacy builder of older engines (Debian's docker.io 20.10, which
# docker-compose 1.29 drives) builds it too.
RUN set -eux \
    && swift build -c release --static-swift-stdlib --product venue-bridge \
    && swift build -c release --static-swift-stdlib --product venue-sim \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && mkdir -p /staging/bin /staging/libexec \
    && install -m 0755 "$bin/venue-bridge" "$bin/venue-sim" /staging/bin/ \
    && find -L "$bin" -maxdepth 1 -name '*.resources' -exec cp -Ra {} /staging/bin/ \; \
    && install -m 0755 /usr/libexec/swift/linux/swift-backtrace-static /staging/libexec/ \
    && strip --strip-debug /staging/bin/venue-bridge /staging/bin/venue-sim

# ------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}

# Only what the static binaries still load dynamically (readelf -d of a Swift 6.3.1 static build:
# librdkafka.so.1, libhiredis.so.0.14, libstdc++.so.6, libm, libgcc_s, libc; venue-sim needs
# only the last four):
#   librdkafka1     Kafka client (pulls in libssl3, libsasl2-2, libzstd1, liblz4-1, zlib1g)
#   libhiredis0.14  Redis client
#   ca-certificates trust roots for wss:// venues and TLS to Kafka
# plus libc6, libstdc++6 and libgcc-s1, which the Swift runtime links and bookworm-slim already
# has. Swift code carries its own TLS (BoringSSL inside swift-nio-ssl and swift-crypto), and no
# FoundationNetworking/FoundationXML is linked, so no libcurl or libxml2.
# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends librdkafka1 libhiredis0.14 ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# Fixed numeric UID/GID, so Kubernetes' runAsNonRoot can verify it and volume permissions are
# predictable (fsGroup 10001 in the Helm chart).
RUN groupadd --system --gid 10001 venue-bridge \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin venue-bridge

COPY --from=build /staging/bin/ /usr/local/bin/
COPY --from=build /staging/libexec/swift-backtrace-static /usr/local/libexec/swift-backtrace-static
COPY deploy/docker/vb-probe /usr/local/bin/vb-probe
# Reference only: every config key at its default. Mount your own file and pass --config.
COPY docs/venue-bridge.example.yaml /etc/venue-bridge/venue-bridge.example.yaml

# The commit this image is built from (docker build --build-arg VB_BUILD_COMMIT=$(git rev-parse
# HEAD)): venue-bridge --version and the vb_build_info metric say it.
ARG VB_BUILD_COMMIT=""
ENV VB_BUILD_COMMIT=${VB_BUILD_COMMIT}

# Crash reports with symbolicated backtraces of every thread on stderr.
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/libexec/swift-backtrace-static

USER 10001:10001
EXPOSE 8080

# Liveness of the HTTP endpoints without curl in the image: see deploy/docker/vb-probe.
# (The simulators run from this image too; compose.yaml gives them a TCP probe instead.)
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["/usr/local/bin/vb-probe", "http", "/healthz"]

ENTRYPOINT ["/usr/local/bin/venue-bridge"]
CMD ["run"]
