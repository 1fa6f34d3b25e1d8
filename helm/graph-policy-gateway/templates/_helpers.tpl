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

{{/*
The gateway's app registration (graph-gateway.identity.client-id): with workload identity,
workloadIdentity.clientId, else identity.clientId.
*/}}
{{- define "graph-policy-gateway.clientId" -}}
{{- if .Values.workloadIdentity.enabled -}}
{{- .Values.workloadIdentity.clientId | default .Values.identity.clientId -}}
{{- else -}}
{{- .Values.identity.clientId -}}
{{- end -}}
{{- end }}

{{/*
Fails the render when the app registration would have more than one credential (the gateway
refuses to start with two), or workload identity no client id.
*/}}
{{- define "graph-policy-gateway.checkCredentials" -}}
{{- $credentials := list }}
{{- if .Values.identity.clientSecret.existingSecret }}
{{- $credentials = append $credentials "identity.clientSecret.existingSecret" }}
{{- end }}
{{- if .Values.workloadIdentity.enabled }}
{{- $credentials = append $credentials "workloadIdentity.enabled" }}
{{- if not (include "graph-policy-gateway.clientId" .) }}
{{- fail "workloadIdentity.enabled needs the app registration's client id: workloadIdentity.clientId or identity.clientId" }}
{{- end }}
{{- if and .Values.identity.clientId .Values.workloadIdentity.clientId (ne .Values.identity.clientId .Values.workloadIdentity.clientId) }}
{{- fail (printf "workloadIdentity.clientId (%s) and identity.clientId (%s) name different app registrations: the federated token proves only the first; set one of them" .Values.workloadIdentity.clientId .Values.identity.clientId) }}
{{- end }}
{{- end }}
{{- range .Values.extraEnv }}
{{- if and (has .name (list "GRAPH_GATEWAY_IDENTITY_CLIENT_CERTIFICATE_FILE" "GRAPH_GATEWAY_IDENTITY_CLIENT_ASSERTION_FILE" "GRAPH_GATEWAY_IDENTITY_CLIENT_SECRET")) (or .value .valueFrom) }}
{{- $credentials = append $credentials (printf "extraEnv %s" .name) }}
{{- end }}
{{- end }}
{{- if gt (len $credentials) 1 }}
{{- fail (printf "The gateway's app registration takes one credential, but %s are set: keep one" (join " and " $credentials)) }}
{{- end }}
{{- end }}

{{/*
Fails the render when database.embeddedH2 asks for the embedded H2 store of charts before 0.3.0:
the gateway has no H2 store any more, and would not start on one.
*/}}
{{- define "graph-policy-gateway.refuseH2" -}}
{{- if .Values.database.embeddedH2 }}
{{- fail "database.embeddedH2 asks for the embedded H2 audit store, which the gateway no longer has: to try the chart out, set database.embedded=true (an embedded SQLite file in an emptyDir, lost with the pod) instead; in production, use PostgreSQL (database.url, database.password.existingSecret)" }}
{{- end }}
{{- end }}

{{/*
The egress rule to a store: (list rule endpoints) with rule {cidrs, to, ports} of
networkPolicy.egress and endpoints the store's {host, port, key} (key: the value naming the host).
Never open to any destination: with no cidrs and no to, each host gives the peers; an IP
address itself, a name without a dot the pods of the release's namespace,
<service>.<namespace>.svc[.<cluster domain>] the pods of that namespace. Any other host fails
the render. Ports: the rule's, else the endpoints'.
*/}}
{{- define "graph-policy-gateway.storeEgressRule" -}}
{{- $rule := index . 0 }}
{{- $endpoints := index . 1 }}
{{- $peers := list }}
{{- $ports := list }}
{{- range $endpoints }}
{{- $ports = append $ports (int .port) }}
{{- if not (or $rule.cidrs $rule.to) }}
{{- if regexMatch "^[0-9]+(\\.[0-9]+){3}$" .host }}
{{- $peers = append $peers (dict "ipBlock" (dict "cidr" (printf "%s/32" .host))) }}
{{- else if contains ":" .host }}
{{- $peers = append $peers (dict "ipBlock" (dict "cidr" (printf "%s/128" .host))) }}
{{- else if regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" .host }}
{{- $peers = append $peers (dict "podSelector" (dict)) }}
{{- else if regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.svc(\\.[-a-z0-9.]+)?\\.?$" .host }}
{{- $peers = append $peers (dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" (index (splitList "." .host) 1)))) }}
{{- else }}
{{- fail (printf "%s names %q, which is neither an IP address nor a Service of the cluster: name its addresses in networkPolicy.egress.%s.cidrs or its peers in .to (0.0.0.0/0 opens the port to any destination)" .key .host .rule) }}
{{- end }}
{{- end }}
{{- end }}
{{- range $rule.cidrs }}
{{- $peers = append $peers (dict "ipBlock" (dict "cidr" .)) }}
{{- end }}
{{- $peers = concat $peers ($rule.to | default list) }}
- ports:
  {{- range ($rule.ports | default $ports | uniq) }}
    - port: {{ int . }}
      protocol: TCP
  {{- end }}
  to:
    {{- toYaml ($peers | uniq) | nindent 4 }}
{{- end }}

{{/*
The hosts and ports of database.url (jdbc:postgresql://host[:port][,host[:port]...]/...), as JSON
endpoints for storeEgressRule.
*/}}
{{- define "graph-policy-gateway.databaseEndpoints" -}}
{{- $authority := regexReplaceAll "^jdbc:postgresql://([^/?]*).*$" .Values.database.url "${1}" }}
{{- $endpoints := list }}
{{- range splitList "," $authority }}
{{- $host := regexReplaceAll ":[0-9]*$" . "" }}
{{- $port := regexReplaceAll "^.*?(:([0-9]*))?$" . "${2}" }}
{{- if hasPrefix "[" . }}
{{- $host = regexReplaceAll "^\\[([^\\]]*)\\].*$" . "${1}" }}
{{- $port = regexReplaceAll "^\\[[^\\]]*\\]:?" . "" }}
{{- end }}
{{- $endpoints = append $endpoints (dict "host" $host "port" (atoi ($port | default "5432")) "key" "database.url" "rule" "postgresql") }}
{{- end }}
{{- toJson $endpoints }}
{{- end }}

{{/*
Whether the `helm test` pod is rendered: it asks the management Service.
*/}}
{{- define "graph-policy-gateway.testsRendered" -}}
{{- if and .Values.tests.enabled .Values.managementService.enabled }}true{{ end }}
{{- end }}

{{/*
Labels of the `helm test` pod, which the network policy lets reach the management port.
*/}}
{{- define "graph-policy-gateway.testSelectorLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: helm-test
{{- end }}

{{/*
"true" when the app registration has a credential: a client secret, workload identity, or a
certificate or assertion file named in extraEnv.
*/}}
{{- define "graph-policy-gateway.hasCredential" -}}
{{- $found := or .Values.identity.clientSecret.existingSecret .Values.workloadIdentity.enabled }}
{{- range .Values.extraEnv }}
{{- if and (has .name (list "GRAPH_GATEWAY_IDENTITY_CLIENT_CERTIFICATE_FILE" "GRAPH_GATEWAY_IDENTITY_CLIENT_ASSERTION_FILE" "GRAPH_GATEWAY_IDENTITY_CLIENT_SECRET")) (or .value .valueFrom) }}
{{- $found = true }}
{{- end }}
{{- end }}
{{- if $found }}true{{ end }}
{{- end }}
