/*
 * The tiny ABI between libksm and the keyring module (ksm-keyring.so,
 * built from keyring/, installed in $(pkglibdir)).  libksm never links
 * libsecret or GLib: core/config-keyring.c dlopen()s the module only when
 * a config kept in the desktop keyring is asked for, and looks up one
 * symbol, KSM_KEYRING_SYMBOL, a struct ksm_keyring_module.
 *
 * Codes are the module's (0 or a negative KSM_KR_*); msg and hint are one
 * line each and never contain a secret.
 */
#ifndef KSM_KEYRING_MODULE_H
#define KSM_KEYRING_MODULE_H

#include <stddef.h>

#define KSM_KEYRING_ABI		1
#define KSM_KEYRING_SYMBOL	"ksm_keyring_module_v1"
#define KSM_KEYRING_MODULE_NAME	"ksm-keyring.so"

/* The same values as keyring/keyring.h's keyring_code. */
enum {
	KSM_KR_OK		=  0,
	KSM_KR_ERROR		= -1,	/* anything else the service reported */
	KSM_KR_ENOBUS		= -2,	/* no D-Bus session bus */
	KSM_KR_ENOPROVIDER	= -3,	/* nobody provides org.freedesktop.secrets */
	KSM_KR_ELOCKED		= -4,	/* collection locked, unlock dismissed */
	KSM_KR_ENOTFOUND	= -5,	/* no config for the profile */
	KSM_KR_ETAMPERED	= -6,	/* integrity check failed */
	KSM_KR_EINVAL		= -7,	/* bad argument or oversized value */
	KSM_KR_ENOMEM		= -8,
	KSM_KR_ENOMODULE	= -9	/* libksm only: no module to load */
};

struct ksm_keyring_result {
	int	code;
	char	msg[256];
	char	hint[256];
};

struct ksm_keyring_module {
	unsigned int	abi;		/* KSM_KEYRING_ABI */
	/* The config JSON text of profile, verified; free with free_text. */
	int	(*config_load)(char **out, const char *profile,
		    struct ksm_keyring_result *res);
	/* Store (replace) the config JSON text of profile. */
	int	(*config_store)(const char *profile, const char *json,
		    struct ksm_keyring_result *res);
	/* Wipe and free text returned by config_load.  NULL ok. */
	void	(*free_text)(char *text);
};

#endif /* KSM_KEYRING_MODULE_H */
