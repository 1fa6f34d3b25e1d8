{{/*
The chart's name, cut to 63 characters (a label value's limit).
*/}}
{{- define "graph-policy-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's full name: the prefix of every object's name. The release name alone when it
already holds the chart's name.
*/}}
{{- define "graph-policy-gateway.fullname" -}}
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

{{/*
The management Service's name; the suffix survives the 63-character cut.
*/}}
{{- define "graph-policy-gateway.managementName" -}}
{{- printf "%s-management" (include "graph-policy-gateway.fullname" . | trunc 52 | trimSuffix "-") }}
{{- end }}

{{- define "graph-policy-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "graph-policy-gateway.labels" -}}
helm.sh/chart: {{ include "graph-policy-gateway.chart" . }}
{{ include "graph-policy-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: graph-policy-gateway
{{- end }}

{{/*
Labels that select the gateway's pods; never change them on upgrade (selectors are immutable).
*/}}
{{- define "graph-policy-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "graph-policy-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "graph-policy-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "graph-policy-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "graph-policy-gateway.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
The ports the gateway listens on. application.yml pins them (server.port,
management.server.port) so probes, Services and network policy always agree with the app.
*/}}
{{- define "graph-policy-gateway.httpPort" -}}8080{{- end }}
{{- define "graph-policy-gateway.managementPort" -}}8081{{- end }}

{{/*
Where the ConfigMap is mounted: the image's working directory is /app and the gateway reads
./config/application.yml from there.
*/}}
{{- define "graph-policy-gateway.configDir" -}}/app/config{{- end }}

{{/*
/app/config/application.yml: applicationConfig with the keys the chart relies on forced.
Only this file feeds the pods' checksum/application-config annotation; tenants.yml is left out
so that a policy change is reloaded in place instead of rolling the pods.
*/}}
{{- define "graph-policy-gateway.applicationYaml" -}}
{{- $pinned := dict
  "server" (dict "port" (include "graph-policy-gateway.httpPort" . | int))
  "management" (dict "server" (dict "port" (include "graph-policy-gateway.managementPort" . | int)))
  "graph-gateway" (dict "policy" (dict "file" (printf "%s/tenants.yml" (include "graph-policy-gateway.configDir" .)))) }}
{{- $config := mustMergeOverwrite (deepCopy (.Values.applicationConfig | default dict)) $pinned }}
{{- toYaml $config }}
{{- end }}

{{/*
An env entry read from a Secret: (list "NAME" secretRef) with secretRef {existingSecret, key}.
*/}}
{{- define "graph-policy-gateway.secretEnv" -}}
{{- $name := index . 0 }}
{{- $ref := index . 1 -}}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.existingSecret | quote }}
      key: {{ $ref.key | quote }}
{{- end }}

{{/*
One egress rule: (list rule protocol) with rule {cidrs, to, ports}. No destination at all
opens the ports to any destination.
*/}}
{{- define "graph-policy-gateway.egressRule" -}}
{{- $rule := index . 0 }}
{{- $protocol := index . 1 -}}
- ports:
  {{- range $rule.ports }}
    - port: {{ . }}
      protocol: {{ $protocol }}
  {{- end }}
  {{- if or $rule.cidrs $rule.to }}
  to:
    {{- range $rule.cidrs }}
    - ipBlock:
        cidr: {{ . | quote }}
    {{- end }}
    {{- with $rule.to }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
{{- end }}

{{/*
The Secret holding the audit signing key: the one named by auditSigning.existingSecret, else the
one the chart generates (auditSigning.generate); empty when the trail is unkeyed.
*/}}
{{- define "graph-policy-gateway.auditSigningSecret" -}}
{{- if .Values.auditSigning.existingSecret -}}
{{- .Values.auditSigning.existingSecret -}}
{{- else if .Values.auditSigning.generate -}}
{{- printf "%s-audit-signing" (include "graph-policy-gateway.fullname" . | trunc 49 | trimSuffix "-") -}}
{{- end -}}
{{- end }}
