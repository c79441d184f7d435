{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "smime-pipeline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped base name. */}}
{{- define "smime-pipeline.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "smime-pipeline.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "smime-pipeline.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Name of one role's resources: <fullname>-signer, <fullname>-sender. Call with (dict "root" $ "role" "signer"). */}}
{{- define "smime-pipeline.roleName" -}}
{{- printf "%s-%s" (include "smime-pipeline.fullname" .root | trunc 56 | trimSuffix "-") .role }}
{{- end }}

{{- define "smime-pipeline.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "smime-pipeline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: smime-pipeline
{{- end }}

{{/* Selector labels of one role. Call with (dict "root" $ "role" "signer"). */}}
{{- define "smime-pipeline.selectorLabels" -}}
app.kubernetes.io/name: {{ include "smime-pipeline.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{/* The alert rules' text (their only copy; docker-compose's Prometheus loads the same file). Parse with fromYaml. */}}
{{- define "smime-pipeline.alertRules" -}}
{{- .Files.Get "files/prometheus/smime-alerts.rules.yml" }}
{{- end }}

{{/* Name of the Grafana dashboard's ConfigMap (grafanaDashboard.enabled). */}}
{{- define "smime-pipeline.dashboardConfigMapName" -}}
{{- printf "%s-dashboard" (include "smime-pipeline.fullname" . | trunc 53 | trimSuffix "-") }}
{{- end }}

{{- define "smime-pipeline.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "smime-pipeline.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "smime-pipeline.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The role name as the worker expects it in SmimePipeline__Roles. */}}
{{- define "smime-pipeline.roleSetting" -}}
{{- if eq . "signer" }}Signer{{ else }}Sender{{ end }}
{{- end }}

{{/*
DOTNET_PROCESSOR_COUNT of one role's pods (call with the role's values): its processorCount when set, else its CPU
request rounded up to whole cores (at least 1), so that the cores .NET sizes the pod by (the signer's protect slots and
in-flight window, the thread pool, the GC's heaps) are the cores Kubernetes schedules it for; .NET alone would count a
CPU limit, or without one every core of the node. Empty when neither is set (then .NET's own count applies).
*/}}
{{- define "smime-pipeline.processorCount" -}}
{{- if .processorCount }}
{{- .processorCount | int }}
{{- else }}
{{- $cpu := "" }}
{{- with .resources }}{{ with .requests }}{{ with .cpu }}{{ $cpu = toString . }}{{ end }}{{ end }}{{ end }}
{{- if hasSuffix "m" $cpu }}
{{- max 1 (int (ceil (divf (float64 (trimSuffix "m" $cpu)) 1000))) }}
{{- else if $cpu }}
{{- max 1 (int (ceil (float64 $cpu))) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The queue a role consumes, for KEDA. */}}
{{- define "smime-pipeline.roleQueue" -}}
{{- if eq .role "signer" }}{{ .root.Values.queues.protect }}{{ else }}{{ .root.Values.queues.deliver }}{{ end }}
{{- end }}

{{/* SmimePipeline__ShutdownTimeout as a TimeSpan (hh:mm:ss). */}}
{{- define "smime-pipeline.shutdownTimeout" -}}
{{- $s := int .Values.shutdownTimeoutSeconds }}
{{- printf "%02d:%02d:%02d" (div $s 3600) (div (mod $s 3600) 60) (mod $s 60) }}
{{- end }}

{{/* The most pods a role can run: KEDA's or the HPA's maximum when one scales it, else its replica count. Call with the role's values. */}}
{{- define "smime-pipeline.maxPods" -}}
{{- if .autoscaling.keda.enabled }}{{ .autoscaling.keda.maxReplicaCount | int }}
{{- else if .autoscaling.hpa.enabled }}{{ .autoscaling.hpa.maxReplicas | int }}
{{- else }}{{ .replicaCount | int }}{{ end }}
{{- end }}

{{/*
The most PostgreSQL connections this release can hold (README "Sizing PostgreSQL connections"), as JSON: per pod and
pods at most for each role, and the total with postgresql.producerConnections. A pod's connections are the sum of its
stores' bounds, each derived the way the worker derives it when 0: the directory from the signer's protect slots
(roles.signer.concurrency, else DOTNET_PROCESSOR_COUNT) + 2 harvests, the ledger from roles.sender.concurrency (4 in a
webhooks pod). A connection string's own lower Maximum Pool Size is not seen here, so this is an upper bound.
*/}}
{{- define "smime-pipeline.postgresConnections" -}}
{{- $v := .Values }}
{{- $signer := 0 }}
{{- if $v.directory.postgres }}
{{- $slots := int $v.roles.signer.concurrency }}
{{- if not $slots }}{{ $slots = int (include "smime-pipeline.processorCount" $v.roles.signer | default "1") }}{{ end }}
{{- $signer = add $signer (int $v.directory.maxConnections | default (add $slots 2)) }}
{{- end }}
{{- if $v.producerClaims.postgres }}{{ $signer = add $signer (int $v.producerClaims.maxConnections) }}{{ end }}
{{- $postgresLedger := eq $v.delivery.ledger.provider "postgres" }}
{{- $sender := 0 }}
{{- if $postgresLedger }}{{ $sender = int $v.delivery.ledger.maxConnections | default (int $v.roles.sender.concurrency) }}{{ end }}
{{- $webhooks := 0 }}
{{- if $postgresLedger }}{{ $webhooks = add (int $v.delivery.ledger.maxConnections | default 4) (int $v.delivery.ledger.fateMaxConnections) }}{{ end }}
{{- $signerPods := ternary (int (include "smime-pipeline.maxPods" $v.roles.signer)) 0 $v.roles.signer.enabled }}
{{- $senderPods := ternary (int (include "smime-pipeline.maxPods" $v.roles.sender)) 0 $v.roles.sender.enabled }}
{{- $webhooksPods := ternary (int $v.webhooks.replicaCount) 0 $v.webhooks.enabled }}
{{- $total := add (mul $signerPods $signer) (mul $senderPods $sender) (mul $webhooksPods $webhooks) (int $v.postgresql.producerConnections) }}
{{- dict "signer" $signer "signerPods" $signerPods "sender" $sender "senderPods" $senderPods "webhooks" $webhooks "webhooksPods" $webhooksPods "producers" (int $v.postgresql.producerConnections) "total" $total | toJson }}
{{- end }}

{{/* The connections worst case as one line, for NOTES.txt and for the render failure. */}}
{{- define "smime-pipeline.postgresConnectionsLine" -}}
{{- $c := include "smime-pipeline.postgresConnections" . | fromJson }}
{{- printf "%d = signers %d pods x %d + senders %d x %d + webhooks %d x %d + producers %d" (int $c.total) (int $c.signerPods) (int $c.signer) (int $c.senderPods) (int $c.sender) (int $c.webhooksPods) (int $c.webhooks) (int $c.producers) }}
{{- end }}

{{/* Fails rendering on settings that would lose mail or conflict. Included by every Deployment. */}}
{{- define "smime-pipeline.validate" -}}
{{- if le (int .Values.terminationGracePeriodSeconds) (int .Values.shutdownTimeoutSeconds) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be greater than shutdownTimeoutSeconds (%d): Kubernetes would kill workers before in-flight mail is finished" (int .Values.terminationGracePeriodSeconds) (int .Values.shutdownTimeoutSeconds)) }}
{{- end }}
{{- range $name := list "signer" "sender" }}
{{- $r := index $.Values.roles $name }}
{{- if and $r.autoscaling.keda.enabled $r.autoscaling.hpa.enabled }}
{{- fail (printf "roles.%s: enable either autoscaling.keda or autoscaling.hpa, not both (KEDA manages its own HPA)" $name) }}
{{- end }}
{{- end }}
{{- with .Values.webhooks }}
{{- if and .enabled (not (or .relayTokenKey .rawTokenKey .eventsPasswordKey .eventsBearerTokenKey)) }}
{{- fail "webhooks: set at least one of relayTokenKey, rawTokenKey, eventsPasswordKey, eventsBearerTokenKey (an endpoint without a token is not served)" }}
{{- end }}
{{- end }}
{{- with .Values.postgresql }}
{{- if .maxConnections }}
{{- $c := include "smime-pipeline.postgresConnections" $ | fromJson }}
{{- $usable := sub (int .maxConnections) (int .superuserReservedConnections) }}
{{- if gt (int $c.total) $usable }}
{{- fail (printf "PostgreSQL connections: this release can hold %s, above postgresql.maxConnections (%d) - superuserReservedConnections (%d) = %d; lower directory.maxConnections, delivery.ledger.maxConnections, producerClaims.maxConnections or the maximum replicas, or raise the server's max_connections (README \"Sizing PostgreSQL connections\")" (include "smime-pipeline.postgresConnectionsLine" $) (int .maxConnections) (int .superuserReservedConnections) $usable) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (eq .Values.transport "RabbitMq") (not .Values.rabbitmq.existingSecret) }}
{{- fail "rabbitmq.existingSecret is required when transport is RabbitMq (the password never goes into values)" }}
{{- end }}
{{- end }}
