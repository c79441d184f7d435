# syntax=docker/dockerfile:1
#
# SmimePipeline worker: one image, role (Signer, Sender or both) chosen by configuration
# (SmimePipeline__Roles). Build from the repository root:
#   docker build -f deploy/worker.Dockerfile -t smime-pipeline-worker:dev .
#
# Base images are pinned to exact patch tags. In production pin them by digest as well
# (FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble@sha256:...) and let a bot (Renovate or
# Dependabot) raise both: a tag can be re-pointed, a digest cannot. Digests cannot be fetched
# from the machines this repository is built on, so none is written here.
#
# .NET 10 publishes no Debian images (Ubuntu 24.04 "noble" is the default distro for .NET 10),
# so the runtime is the noble image; -noble-chiseled is smaller but has no shell, which the
# HEALTHCHECK below needs.

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.12-noble

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Restore first from the build/package props and project files only, so the (slow) restore layer
# is reused until a dependency changes. Keep this list in step with the worker's project references
# (tests/SmimePipeline.DeploymentTests checks it).
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props PipelineRuntime.props BannedSymbols.txt .editorconfig ./
COPY src/SmimePipeline.Contracts/SmimePipeline.Contracts.csproj src/SmimePipeline.Contracts/
COPY src/SmimePipeline.Messaging/SmimePipeline.Messaging.csproj src/SmimePipeline.Messaging/
COPY src/SmimePipeline.Postgres/SmimePipeline.Postgres.csproj src/SmimePipeline.Postgres/
COPY src/SmimePipeline.Cryptography/SmimePipeline.Cryptography.csproj src/SmimePipeline.Cryptography/
COPY src/SmimePipeline.Delivery/SmimePipeline.Delivery.csproj src/SmimePipeline.Delivery/
COPY src/SmimePipeline.Directory/SmimePipeline.Directory.csproj src/SmimePipeline.Directory/
COPY src/SmimePipeline.Worker/SmimePipeline.Worker.csproj src/SmimePipeline.Worker/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore src/SmimePipeline.Worker/SmimePipeline.Worker.csproj
COPY src/ src/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish src/SmimePipeline.Worker/SmimePipeline.Worker.csproj \
      -c Release --no-restore -o /app -p:UseAppHost=false

FROM ${RUNTIME_IMAGE} AS runtime
# Writable paths: /tmp (an emptyDir in Kubernetes) and the mounted volume /var/lib/smime
# (certificate store, pickup directory, claim check: never a /tmp default for claims). The root filesystem can be mounted read-only.
# No key material is copied in: signer identities are mounted at run time.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    SmimePipeline__Signer__StorePath=/var/lib/smime/store \
    SmimePipeline__Signer__IdentitiesPath=/var/run/smime/identities \
    SmimePipeline__Delivery__Pickup__Directory=/var/lib/smime/pickup \
    SmimePipeline__ClaimCheck__Directory=/var/lib/smime/claims
WORKDIR /app
COPY --from=build --chown=root:root /app ./
# Create the volume mount point owned by the runtime user; everything else stays root-owned.
RUN mkdir -p /var/lib/smime/store /var/lib/smime/pickup /var/lib/smime/claims \
    && chown -R 1654:1654 /var/lib/smime && chmod 0700 /var/lib/smime/claims
VOLUME ["/var/lib/smime"]
# 1654 is the non-root "app" user the .NET base images provide ($APP_UID). Numeric, so that
# Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 1654
EXPOSE 8080
# No curl or wget in the image: bash's /dev/tcp speaks enough HTTP/1.0 for the liveness check.
# Kubernetes ignores HEALTHCHECK and uses the chart's probes on /health/live and /health/ready.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "SmimePipeline.Worker.dll"]
