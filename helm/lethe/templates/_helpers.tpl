{{/* Labels every object of the release carries. */}}
{{- define "lethe.labels" -}}
app.kubernetes.io/part-of: lethe
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector of every silo pod of the release (CPU and GPU). */}}
{{- define "lethe.siloSelector" -}}
app.kubernetes.io/name: lethe-silo
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "lethe.redisConnection" -}}
{{- if .Values.redis.enabled -}}
{{ .Release.Name }}-redis:6379
{{- else -}}
{{ required "redis.connectionString is required when redis.enabled is false" .Values.redis.connectionString }}
{{- end -}}
{{- end -}}

{{- define "lethe.artifactsSecret" -}}
{{- if .Values.artifacts.existingSecret -}}
{{ .Values.artifacts.existingSecret }}
{{- else if .Values.artifacts.connectionString -}}
{{ .Release.Name }}-artifacts
{{- else -}}
{{ fail "Set artifacts.connectionString or artifacts.existingSecret: the Cluster profile keeps checkpoints in Azure Blob storage." }}
{{- end -}}
{{- end -}}

{{- define "lethe.tenantsSecret" -}}
{{- if .Values.tenants.existingSecret -}}
{{ .Values.tenants.existingSecret }}
{{- else -}}
{{ .Release.Name }}-tenants
{{- end -}}
{{- end -}}
