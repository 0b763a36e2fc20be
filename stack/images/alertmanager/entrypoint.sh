#!/bin/sh
# The Slack webhook URL is a secret: it comes from the environment, never from the config in git.
# alertmanager.yml reads it through `api_url_file`, which this writes before starting.
set -eu
: "${ALERTMANAGER_SLACK_WEBHOOK_URL:?set ALERTMANAGER_SLACK_WEBHOOK_URL to the #data-ops Slack webhook}"
umask 077
printf '%s' "$ALERTMANAGER_SLACK_WEBHOOK_URL" > /run/alertmanager/slack_webhook_url
exec /usr/bin/prometheus-alertmanager "$@"
