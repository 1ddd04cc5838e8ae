#!/usr/bin/env bash
# Second step of a deployment: create the Event Grid subscriptions that feed the blob triggers.
#
# Why a second step: Event Grid calls the blob extension's webhook
#   https://<app>.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.<name>&code=<key>
# and the key (the host's system key "blobs_extension") exists only after code with an Event Grid blob
# trigger has been deployed and the host has started; Event Grid also validates the webhook when the
# subscription is created. So: deploy infra/main.bicep, deploy the code, then run this script.
#
# It waits for the key to appear, then deploys infra/modules/eventsubscriptions.bicep, which reads the
# key itself (listKeys) at deployment time: the key is never printed, stored or passed as a parameter.
# Names and event settings come from the outputs and parameters of the main deployment.
#
# Usage: infra/scripts/postdeploy.sh -g <resource group> [-n <main deployment name>] [-t <seconds to wait>]
#        infra/scripts/postdeploy.sh -e [-t <seconds to wait>]
# With -e (azd's postdeploy hook, see azure.yaml) the resource group and the main deployment's outputs come from the
# environment azd fills from them (AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME, ...), whatever azd named the
# deployment.
set -euo pipefail

resource_group=""
deployment="main"
wait_seconds=600
from_azd=0

usage() {
  echo "usage: $0 -g <resource group> [-n <main deployment name, default main>] [-t <seconds to wait for the key, default 600>]" >&2
  echo "       $0 -e [-t <seconds>]   (as azd's postdeploy hook: names from the azd environment)" >&2
  exit 2
}

while getopts "g:n:t:eh" option; do
  case "$option" in
    e) from_azd=1 ;;
    g) resource_group="$OPTARG" ;;
    n) deployment="$OPTARG" ;;
    t) wait_seconds="$OPTARG" ;;
    *) usage ;;
  esac
done
if [ "$from_azd" = 1 ]; then
  resource_group="${AZURE_RESOURCE_GROUP:-}"
  deployment="${AZURE_ENV_NAME:-azd}"
  [ -n "$resource_group" ] || { echo "error: -e needs AZURE_RESOURCE_GROUP from the azd environment (run as azd's hook, or azd env get-values)" >&2; exit 1; }
fi
[ -n "$resource_group" ] || usage
command -v az >/dev/null || { echo "error: the Azure CLI (az) is required" >&2; exit 1; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
template="$repo_root/infra/modules/eventsubscriptions.bicep"

# One output of the main deployment (from the azd environment under -e); empty when absent.
deployment_value() {
  if [ "$from_azd" = 1 ]; then
    printenv "${1#outputs.}" || true
  else
    az deployment group show -g "$resource_group" -n "$deployment" --query "properties.$1.value" -o tsv 2>/dev/null || true
  fi
}

app="$(deployment_value outputs.AZURE_FUNCTION_APP_NAME)"
topic="$(deployment_value outputs.EVENT_GRID_SYSTEM_TOPIC_NAME)"
storage="$(deployment_value outputs.AZURE_STORAGE_ACCOUNT_NAME)"
if [ -z "$app" ] || [ -z "$topic" ] || [ -z "$storage" ]; then
  echo "error: deployment '$deployment' in resource group '$resource_group' has no outputs AZURE_FUNCTION_APP_NAME," \
       "EVENT_GRID_SYSTEM_TOPIC_NAME and AZURE_STORAGE_ACCOUNT_NAME; deploy infra/main.bicep under that name first (-n)" >&2
  exit 1
fi

# Event settings as the main deployment had them, so both ways of creating the subscriptions agree.
parameters=(systemTopicName="$topic" functionAppName="$app" deadLetterStorageAccountName="$storage")
for pair in EVENT_MAX_DELIVERY_ATTEMPTS:maxDeliveryAttempts EVENT_TIME_TO_LIVE_IN_MINUTES:eventTimeToLiveInMinutes \
            SCAN_FUNCTION_NAME:scanFunctionName PATTERN_UPLOAD_FUNCTION_NAME:patternUploadFunctionName; do
  value="$(deployment_value "outputs.${pair%%:*}")"
  if [ -n "$value" ]; then
    parameters+=("${pair##*:}=$value")
  fi
done

echo "Waiting for the blob extension key of $app (deploy the code first if this never ends)..."
deadline=$((SECONDS + wait_seconds))
until [ -n "$(az functionapp keys list -g "$resource_group" -n "$app" --query "systemKeys.blobs_extension" -o tsv 2>/dev/null || true)" ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "error: no system key 'blobs_extension' on $app after ${wait_seconds}s." >&2
    echo "       Is the code deployed, and does it have the Event Grid blob triggers? Check: az functionapp function list -g $resource_group -n $app -o table" >&2
    exit 1
  fi
  # A request wakes the host if no instance is running; the key appears once it has indexed the triggers.
  curl -fsS -o /dev/null --max-time 30 "https://$(az functionapp show -g "$resource_group" -n "$app" --query defaultHostName -o tsv)/" 2>/dev/null || true
  sleep 15
done

echo "Creating the Event Grid subscriptions on $topic..."
az deployment group create -g "$resource_group" -n "${deployment}-eventsubscriptions" \
  -f "$template" -p "${parameters[@]}" --query "properties.outputs.names.value" -o tsv

echo "Done. Later runs of main.bicep may pass deployEventSubscriptions=true to keep the subscriptions in the same deployment."
