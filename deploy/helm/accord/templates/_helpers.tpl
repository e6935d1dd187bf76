{{/* Names and labels shared by every object (docs/deploy.md). */}}

{{- define "accord.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "accord.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "accord.labels" -}}
app.kubernetes.io/name: {{ include "accord.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: api, worker or migration. */}}
{{- define "accord.selector" -}}
app.kubernetes.io/name: {{ include "accord.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "accord.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "accord.secretName" -}}
{{- .Values.secret.existingSecret | default (include "accord.fullname" .) -}}
{{- end -}}

{{- define "accord.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "accord.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* What every Accord container shares: the image, settings from the ConfigMap, secrets
as files (ACCORD_SECRETS_DIR), a writable /tmp and data directory on a read-only root. */}}
{{- define "accord.containerCommon" -}}
image: {{ include "accord.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
envFrom:
  - configMapRef:
      name: {{ include "accord.fullname" . }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: secrets
    mountPath: /run/secrets/accord
    readOnly: true
  - name: tmp
    mountPath: /tmp
  - name: data
    mountPath: /var/lib/accord
{{- end -}}

{{- define "accord.volumes" -}}
- name: secrets
  secret:
    secretName: {{ include "accord.secretName" . }}
- name: tmp
  emptyDir: {}
- name: data
  emptyDir: {}
{{- end -}}

{{/* The probe command for a process that listens on loopback only (the worker). */}}
{{- define "accord.loopbackProbe" -}}
exec:
  command:
    - python3
    - -c
    - "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=4)"
    - {{ printf "http://127.0.0.1:%v/healthz" .port | quote }}
{{- end -}}
