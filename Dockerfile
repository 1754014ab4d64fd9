# SPDX-License-Identifier: Apache-2.0
# stas in a container: stafd and stacd from one image (see docker-compose.yml
# and README.md, "Container"). The daemons need the host: its network, its
# /dev/nvme-fabrics, its sysfs, its system D-Bus, hence a privileged container
# on the host network.

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      meson ninja-build pkg-config gcc libc6-dev \
      libnvme-dev libglib2.0-dev libglib2.0-dev-bin libjson-glib-dev \
      libavahi-client-dev libavahi-glib-dev libudev-dev libsystemd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN meson setup /build --prefix=/usr --buildtype=release -Dtests=false \
 && ninja -C /build \
 && DESTDIR=/staging meson install -C /build --no-rebuild

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libnvme1 libglib2.0-0 libjson-glib-1.0-0 libavahi-client3 libavahi-glib1 \
      libudev1 libsystemd0 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /staging/ /
# Foreground, messages on stdout (docker logs). The runtime directory holds
# last-known-config.json; mount a volume there to keep it across restarts.
ENV RUNTIME_DIRECTORY=/run/stas
CMD ["/usr/sbin/stafd"]
