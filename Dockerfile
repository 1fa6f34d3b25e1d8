# Graph Policy Gateway image. Build the jar first, then the image, from the repository root:
#   mvn -B package && docker build -t graph-policy-gateway:0.1.0 .
# Runs as user 10001 with a read-only root filesystem in mind: only /tmp and /app/data are written.
#
# The runtime is Java 25 (the code is compiled for Java 17 and runs on either): its ahead-of-time
# cache (JEP 483/514/515) holds the classes loaded and linked, and the objects made, during a
# training start, which halves the start-up with G1 (bench/startup; ZGC cannot use the cached
# objects on Java 25). G1 with a 20 ms pause goal: its longest pauses at half rate were 15.9 ms with
# PostgreSQL and 6.1 ms with the embedded SQLite store (34 ms with the H2 store before it); generational ZGC stays under 1 ms but cost 1.7 x
# the CPU per call on two cores (bench/RESULTS.md, docs/kubernetes.md).

# Unpack Spring Boot's layers so that a code change rebuilds only the small application layer; the
# extracted form (an application jar beside lib/) is what the ahead-of-time cache needs.
FROM eclipse-temurin:25-jre AS layers
WORKDIR /build
COPY target/graph-policy-gateway.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --destination extracted

FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 gateway \
	&& useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin gateway
WORKDIR /app
# Least to most often changed.
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./
# Defaults for `docker run`; the Helm chart mounts its own ConfigMap over /app/config.
COPY config/application.yml config/tenants.yml ./config/
# The training start: the application context is created (the SQLite store and its migrations
# included) and closed before any port opens; the cache records what it loaded. Its data is thrown
# away.
RUN java -XX:+UseG1GC -XX:AOTCacheOutput=app.aot -Dspring.context.exit=onRefresh -jar app.jar \
	&& rm -rf /app/data
# The embedded SQLite audit store (non-production default) lives in ./data.
RUN mkdir -p /app/data && chown 10001:10001 /app/data
USER 10001:10001
EXPOSE 8080 8081
# Heap 40% of the container's memory (the rest is metaspace, code, threads and Netty's buffers);
# G1 with a 20 ms pause goal; the ahead-of-time cache of the training start, made with G1 (with
# another collector the JVM says it cannot use the cache and starts without it).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=40.0 -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -XX:AOTCache=/app/app.aot"
# JSON log lines (Elastic Common Schema) for a log collector; empty for plain lines.
ENV LOGGING_STRUCTURED_FORMAT_CONSOLE=ecs
ENTRYPOINT ["java", "-jar", "app.jar"]
