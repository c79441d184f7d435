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
{{- if and (eq .Values.transport "RabbitMq") (not .Values.rabbitmq.existingSecret) }}
{{- fail "rabbitmq.existingSecret is required when transport is RabbitMq (the password never goes into values)" }}
{{- end }}
{{- end }}
