# syntax=docker/dockerfile:1
#
# The `smime` command line (demo, certs, publish, dlq, bench) as an image, used by the
# docker-compose `certs-init` job and for running the demo without a local .NET SDK:
#   docker build -f deploy/cli.Dockerfile -t smime-pipeline-cli:dev .
#   docker run --rm --network smime-pipeline_default smime-pipeline-cli:dev demo --rabbitmq amqp://guest:guest@rabbitmq:5672/ --messages 100
#
# Base images are pinned to exact patch tags; in production pin them by digest too
# (…:10.0.12-noble@sha256:…), see deploy/worker.Dockerfile. .NET 10 ships no Debian images.

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.12-noble

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Props and project files first: the restore layer is reused until a dependency changes.
# Keep this list in step with the CLI's project references (checked by the deployment tests).
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props PipelineRuntime.props BannedSymbols.txt .editorconfig ./
COPY src/SmimePipeline.Contracts/SmimePipeline.Contracts.csproj src/SmimePipeline.Contracts/
COPY src/SmimePipeline.Messaging/SmimePipeline.Messaging.csproj src/SmimePipeline.Messaging/
COPY src/SmimePipeline.Postgres/SmimePipeline.Postgres.csproj src/SmimePipeline.Postgres/
COPY src/SmimePipeline.Client/SmimePipeline.Client.csproj src/SmimePipeline.Client/
COPY src/SmimePipeline.Cryptography/SmimePipeline.Cryptography.csproj src/SmimePipeline.Cryptography/
COPY src/SmimePipeline.Delivery/SmimePipeline.Delivery.csproj src/SmimePipeline.Delivery/
COPY src/SmimePipeline.Directory/SmimePipeline.Directory.csproj src/SmimePipeline.Directory/
COPY src/SmimePipeline.Worker/SmimePipeline.Worker.csproj src/SmimePipeline.Worker/
COPY src/SmimePipeline.Cli/SmimePipeline.Cli.csproj src/SmimePipeline.Cli/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore src/SmimePipeline.Cli/SmimePipeline.Cli.csproj
COPY src/ src/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish src/SmimePipeline.Cli/SmimePipeline.Cli.csproj \
      -c Release --no-restore -o /app -p:UseAppHost=false

FROM ${RUNTIME_IMAGE} AS runtime
# The CLI writes certificates only to the mounted store (SMIME_STORE) and temporary files to /tmp.
ENV DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    SMIME_STORE=/var/lib/smime/store
WORKDIR /app
COPY --from=build --chown=root:root /app ./
RUN mkdir -p /var/lib/smime/store && chown -R 1654:1654 /var/lib/smime
VOLUME ["/var/lib/smime"]
# 1654 = the base image's non-root "app" user ($APP_UID), numeric for runAsNonRoot.
USER 1654
ENTRYPOINT ["dotnet", "smime.dll"]
CMD ["--help"]
