# llmlb-node in a container: build the distribution, run it as a non-root user with the models folder on a volume.
#   docker build -t llmlb-node .
#   echo "LLMLB_API_KEYS=$(openssl rand -hex 24)" > llmlb.env    # your keys, kept out of the image
#   docker run -p 8080:8080 -v llmlb-models:/home/llmlb/.llmlb/models --env-file llmlb.env llmlb-node
# The image listens on 0.0.0.0: without LLMLB_API_KEYS the node refuses to start (see docs/container.md).

FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:21-jre
RUN groupadd --system --gid 10001 llmlb \
 && useradd --system --uid 10001 --gid llmlb --home-dir /home/llmlb --create-home llmlb \
 && mkdir -p /home/llmlb/.llmlb/models \
 && chown -R llmlb:llmlb /home/llmlb
COPY --from=build /src/dist/target/llmlb-node /opt/llmlb-node
ENV LLMLB_HOME=/home/llmlb/.llmlb \
    LLMLB_BIND=0.0.0.0 \
    LLMLB_PORT=8080
USER llmlb
WORKDIR /home/llmlb
VOLUME ["/home/llmlb/.llmlb/models"]
EXPOSE 8080
# No curl in the JRE image: bash's /dev/tcp asks /health, which needs no key.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${LLMLB_PORT:-8080} && printf "GET /health HTTP/1.0\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "'
# SIGTERM drains the node (in-flight requests finish within LLMLB_SHUTDOWN_GRACE), then it exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/llmlb-node/bin/llmlb-node"]
CMD ["serve"]
