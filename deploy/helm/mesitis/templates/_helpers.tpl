{{/* Chart name, for labels. */}}
{{- define "mesitis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Prefix of every object name: the release name, unless it lacks the chart name. */}}
{{- define "mesitis.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mesitis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mesitis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mesitis.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "mesitis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "mesitis.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mesitis.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the OSB credentials: an existing one, or the chart's. */}}
{{- define "mesitis.credentialsSecretName" -}}
{{- default (printf "%s-credentials" (include "mesitis.fullname" .)) .Values.credentials.existingSecret }}
{{- end }}

{{/* The Secret holding the key generated values ({{ generated.NAME }}) derive from. */}}
{{- define "mesitis.generationKeySecretName" -}}
{{- default (printf "%s-generation-key" (include "mesitis.fullname" .)) .Values.generationKey.existingSecret }}
{{- end }}

{{/*
Namespaces where CredentialFromInstanceSecret entries read an instance's
Secret outside targetNamespaces, as a JSON list: deduplicated, without the
target namespaces (their Role already allows it); the release namespace is
refused (the broker reads its Secrets there anyway).
*/}}
{{- define "mesitis.instanceSecretNamespaces" -}}
{{- $targets := include "mesitis.targetNamespaces" . | fromJsonArray }}
{{- $namespaces := list }}
{{- range $ns := .Values.rbac.instanceSecretNamespaces | default list }}
{{- if eq $ns $.Release.Namespace }}
{{- fail (printf "rbac.instanceSecretNamespaces must not contain the release namespace %q" $ns) }}
{{- end }}
{{- if not (has $ns $targets) }}
{{- $namespaces = append $namespaces $ns }}
{{- end }}
{{- end }}
{{- $namespaces | uniq | toJson }}
{{- end }}

{{/* The Secret holding the Redis password, if any. */}}
{{- define "mesitis.redisSecretName" -}}
{{- default (printf "%s-redis" (include "mesitis.fullname" .)) .Values.redis.existingSecret }}
{{- end }}

{{/* Target namespaces as a JSON list, deduplicated; the release namespace is refused. */}}
{{- define "mesitis.targetNamespaces" -}}
{{- $namespaces := .Values.targetNamespaces | default list }}
{{- range $ns := $namespaces }}
{{- if eq $ns $.Release.Namespace }}
{{- fail (printf "targetNamespaces must not contain the release namespace %q: the broker's Secrets there are read-only to it" $ns) }}
{{- end }}
{{- end }}
{{- $namespaces | uniq | toJson }}
{{- end }}


{{/*
The kinds entries may create in target namespaces (targetKinds), checked
and as a JSON list of {apiGroup, resources}: RBAC names, no wildcards, so
the Role grants exactly what is listed.
*/}}
{{- define "mesitis.targetKinds" -}}
{{- $kinds := list }}
{{- range $i, $entry := .Values.targetKinds | default list }}
{{- $group := $entry.apiGroup }}
{{- if not (kindIs "string" $group) }}
{{- fail (printf "targetKinds[%d].apiGroup is required (\"\" for the core group)" $i) }}
{{- end }}
{{- if not (regexMatch "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$" $group) }}
{{- fail (printf "targetKinds[%d].apiGroup %q is not an API group (no wildcards)" $i $group) }}
{{- end }}
{{- $resources := $entry.resources | default list }}
{{- if eq (len $resources) 0 }}
{{- fail (printf "targetKinds[%d].resources must list at least one resource" $i) }}
{{- end }}
{{- range $resource := $resources }}
{{- if not (and (kindIs "string" $resource) (regexMatch "^[a-z][a-z0-9-]*$" $resource)) }}
{{- fail (printf "targetKinds[%d].resources: \"%v\" is not a resource name (plural, lower case, no wildcards or subresources)" $i $resource) }}
{{- end }}
{{- end }}
{{- $kinds = append $kinds (dict "apiGroup" $group "resources" ($resources | uniq)) }}
{{- end }}
{{- $kinds | toJson }}
{{- end }}

{{/*
How the broker logs in to Vault: kubernetes or token; anything else is refused.
*/}}
{{- define "mesitis.vaultAuthMethod" -}}
{{- $method := .Values.vault.auth.method | default "kubernetes" -}}
{{- if not (has $method (list "kubernetes" "token")) -}}
{{- fail (printf "vault.auth.method must be kubernetes or token, not %q" $method) -}}
{{- end -}}
{{- $method -}}
{{- end }}
