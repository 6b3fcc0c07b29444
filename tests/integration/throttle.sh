#!/bin/bash
# Throttling: a burst past the sandbox's limit fails with ETHROTTLED when
# the client may not wait (KSM_MAX_THROTTLE_WAIT_MS=0), whatever status the
# server throttles with.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

for status in default 429 503; do
	if [ "$status" = default ]; then
		sb_start --throttle 3 --throttle-pause 3600
	else
		sb_start --throttle 3 --throttle-pause 3600 --throttle-status "$status"
	fi
	cfg=$TMP/ksm-config-$status.json
	ks_init "$cfg"
	expect_ok "init ($status)"
	i=0
	RC=0
	while [ "$i" -lt 10 ] && [ "$RC" -eq 0 ]; do
		# the transport itself: no cache (cache.sh tests the cache)
		KSM_CACHE_TTL=0 KSM_MAX_THROTTLE_WAIT_MS=0 run_ks --config "$cfg" list
		i=$((i + 1))
	done
	expect_fail "burst throttled with status $status: ETHROTTLED" 20 \
	    "throttled"
	sb_stop
done

check_no_secrets
done_testing
