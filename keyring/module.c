/*
 * ksm-keyring.so: the keyring config backend that libksm dlopen()s
 * (core/keyring-module.h).  Exports one symbol, the function table.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "keyring-module.h"
#include "keyring.h"

_Static_assert((int)KSM_KR_ENOBUS == (int)KEYRING_ENOBUS &&
    (int)KSM_KR_ENOPROVIDER == (int)KEYRING_ENOPROVIDER &&
    (int)KSM_KR_ELOCKED == (int)KEYRING_ELOCKED &&
    (int)KSM_KR_ENOTFOUND == (int)KEYRING_ENOTFOUND &&
    (int)KSM_KR_ETAMPERED == (int)KEYRING_ETAMPERED &&
    (int)KSM_KR_EINVAL == (int)KEYRING_EINVAL &&
    (int)KSM_KR_ENOMEM == (int)KEYRING_ENOMEM,
    "keyring codes and the module ABI disagree");

static int
result(struct ksm_keyring_result *res, int r, const struct keyring_err *e)
{
	memset(res, 0, sizeof(*res));
	res->code = r;
	if (r != 0) {
		snprintf(res->msg, sizeof(res->msg), "%s", e->msg);
		snprintf(res->hint, sizeof(res->hint), "%s", e->hint);
	}
	return r;
}

static int
mod_config_load(char **out, const char *profile,
    struct ksm_keyring_result *res)
{
	struct keyring_err e;

	memset(&e, 0, sizeof(e));
	return result(res, keyring_config_load(out, profile, &e), &e);
}

static int
mod_config_store(const char *profile, const char *json,
    struct ksm_keyring_result *res)
{
	struct keyring_err e;

	memset(&e, 0, sizeof(e));
	return result(res, keyring_config_store(profile, json, &e), &e);
}

static void
mod_free_text(char *text)
{
	if (text != NULL)
		keyring_free(text, strlen(text) + 1);
}

/* the one exported symbol (the build hides everything else) */
extern const struct ksm_keyring_module ksm_keyring_module_v1
    __attribute__((visibility("default")));

const struct ksm_keyring_module ksm_keyring_module_v1 = {
	.abi = KSM_KEYRING_ABI,
	.config_load = mod_config_load,
	.config_store = mod_config_store,
	.free_text = mod_free_text,
};
