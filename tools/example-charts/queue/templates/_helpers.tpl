{{- define "queue.labels" -}}
app.kubernetes.io/name: queue
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
