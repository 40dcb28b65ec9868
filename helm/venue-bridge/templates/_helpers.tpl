{{/* Names, labels and the rendered bridge configuration. */}}

{{- define "venue-bridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "venue-bridge.fullname" -}}
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

{{- define "venue-bridge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "venue-bridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "venue-bridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of everything the chart makes, without app.kubernetes.io/component. */}}
{{- define "venue-bridge.commonLabels" -}}
helm.sh/chart: {{ include "venue-bridge.chart" . }}
{{ include "venue-bridge.selectorLabels" . }}
app.kubernetes.io/version: {{ (default .Chart.AppVersion .Values.image.tag) | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels of the bridge's own objects. */}}
{{- define "venue-bridge.labels" -}}
{{ include "venue-bridge.commonLabels" . }}
app.kubernetes.io/component: bridge
{{- end }}

{{- define "venue-bridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "venue-bridge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "venue-bridge.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Enabled venue ids, sorted, comma-separated ("" when none). */}}
{{- define "venue-bridge.enabledVenues" -}}
{{- $ids := list }}
{{- range $id, $venue := .Values.venues }}
{{- if $venue.enabled }}{{ $ids = append $ids $id }}{{ end }}
{{- end }}
{{- $ids | sortAlpha | join "," }}
{{- end }}

{{/*
Every topic the bridge uses: <prefix>.<name> for EventBus TopicNames.all (the six it publishes
to plus the command path's orders.command and orders.dlq). scripts/validate-deploy checks that
this list matches Sources/EventBus/EventRouting.swift.
*/}}
{{- define "venue-bridge.topicNames" -}}
md.book md.trade md.ticker md.rfq exec.report venue.status orders.command orders.dlq
{{- end }}

{{/*
Secret mounts as a list of dicts {name, secret, dir, env: {VAR: key}}: Kafka and Redis
credentials first, then each enabled venue. Only entries with an existingSecret are mounted.
*/}}
{{- define "venue-bridge.secretMounts" -}}
{{- $mounts := list }}
{{- range $name := list "kafka" "redis" }}
{{- $c := index $.Values.credentials $name }}
{{- if $c.existingSecret }}
{{- $mounts = append $mounts (dict "name" $name "secret" $c.existingSecret "env" (default dict $c.secretEnv)) }}
{{- end }}
{{- end }}
{{- range $id, $venue := .Values.venues }}
{{- if and $venue.enabled $venue.existingSecret }}
{{- $mounts = append $mounts (dict "name" $id "secret" $venue.existingSecret "env" (default dict $venue.secretEnv)) }}
{{- end }}
{{- end }}
{{- toJson $mounts }}
{{- end }}

{{/* The bridge's YAML configuration (the ConfigMap's venue-bridge.yaml). */}}
{{- define "venue-bridge.config" -}}
{{- $config := deepCopy .Values.config }}
{{- $_ := set $config "http" (dict "host" "0.0.0.0" "port" .Values.containerPort) }}
{{- /* One replica per release: the release name is a stable instance_id across rollouts (a pod's
       host name changes with every one, and with it the takeover of its unfinished commands). */}}
{{- $commands := deepCopy (default dict $config.commands) }}
{{- if not (hasKey $commands "instance_id") }}
{{- $_ := set $commands "instance_id" .Release.Name }}
{{- end }}
{{- $_ := set $config "commands" $commands }}
{{- $venues := dict }}
{{- range $id, $venue := .Values.venues }}
{{- if $venue.enabled }}
{{- $settings := deepCopy (default dict $venue.settings) }}
{{- $_ := set $settings "enabled" true }}
{{- $_ := set $venues $id $settings }}
{{- end }}
{{- end }}
{{- if $venues }}
{{- $_ := set $config "venues" $venues }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/* Render-time checks that the schema cannot express. */}}
{{- define "venue-bridge.validate" -}}
{{- $flushMs := int (default 10000 .Values.config.kafka.flush_timeout_ms) }}
{{- $needed := add (div (add $flushMs 999) 1000) 5 }}
{{- if lt (int .Values.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least config.kafka.flush_timeout_ms/1000 + 5 = %d: the bridge drains to Kafka for up to flush_timeout_ms after SIGTERM, then gives Redis ~2 s" (int .Values.terminationGracePeriodSeconds) (int $needed)) }}
{{- end }}
{{- range $id, $venue := .Values.venues }}
{{- range $key := list "api_key" "api_secret" "password" "app_license" "client_secret" }}
{{- if hasKey (default dict $venue.settings) $key }}
{{- fail (printf "venues.%s.settings.%s is a secret: put it in the Secret named by venues.%s.existingSecret and map it in secretEnv. Credentials are never taken from values." $id $key $id) }}
{{- end }}
{{- end }}
{{- if and $venue.enabled (not $venue.existingSecret) $venue.secretEnv }}
{{- fail (printf "venues.%s.existingSecret: name the Secret holding the %s credentials (keys: %s). Credentials are never taken from values." $id $id (values $venue.secretEnv | sortAlpha | join ", ")) }}
{{- end }}
{{- end }}
{{- end }}
