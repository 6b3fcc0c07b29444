#include "config.h"

/*
 * The KSM config kept in the desktop keyring.  libksm does not link
 * libsecret/GLib: the keyring module (ksm-keyring.so, from keyring/) is
 * dlopen()ed here only when a keyring config is asked for, and never
 * unloaded (GLib cannot be).  $KSM_KEYRING_MODULE names another module
 * file (tests, a build tree); ignored in a setuid/setgid process.
 */

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "ksm-config.h"
#include "keyring-module.h"

#define PREFIX		"keyring:"
#define DEFAULT_PROFILE	"default"

#ifndef KSM_KEYRING_MODULE
#define KSM_KEYRING_MODULE	KSM_KEYRING_MODULE_NAME
#endif

const char *
ksm_config__keyring_profile(const char *path)
{
	if (path == NULL || strncmp(path, PREFIX, sizeof(PREFIX) - 1) != 0)
		return NULL;
	path += sizeof(PREFIX) - 1;
	return *path != '\0' ? path : DEFAULT_PROFILE;
}

static int
module_get(const struct ksm_keyring_module **out)
{
	const struct ksm_keyring_module *m;
	const char *path, *why;
	void *h;

	*out = NULL;
	path = secure_getenv("KSM_KEYRING_MODULE");
	if (path == NULL || *path == '\0')
		path = KSM_KEYRING_MODULE;
	/* RTLD_NODELETE: the handle may be dropped, the code stays */
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (h == NULL) {
		why = dlerror();
		(void)ksm__err(KSM_EIO, "no keyring support: cannot load the "
		    "keyring module: %.150s", why != NULL ? why : path);
#ifdef HAVE_LIBSECRET
		ksm__err_hint("install it (make install puts %s in the "
		    "package library directory), or use a config file",
		    KSM_KEYRING_MODULE_NAME);
#else
		ksm__err_hint("this libksm was configured --without-libsecret; "
		    "rebuild with libsecret-1-dev, or use a config file");
#endif
		return KSM_EIO;
	}
	m = dlsym(h, KSM_KEYRING_SYMBOL);
	if (m == NULL || m->abi != KSM_KEYRING_ABI || m->config_load == NULL ||
	    m->config_store == NULL || m->free_text == NULL) {
		dlclose(h);
		(void)ksm__err(KSM_EIO, "'%.150s' is not a keyring module of "
		    "this libksm (ABI %d)", path, KSM_KEYRING_ABI);
		ksm__err_hint("reinstall libksm and its keyring module "
		    "together");
		return KSM_EIO;
	}
	*out = m;
	return 0;
}

/* The module's answer as a libksm error; keeps its message and hint. */
static int
map_result(const struct ksm_keyring_result *res, const char *profile)
{
	int code;

	switch (res->code) {
	case KSM_KR_ENOTFOUND:
		(void)ksm__err(KSM_ECONFIG, "no Keeper config for profile "
		    "'%s' in the keyring", profile);
		ksm__err_hint("bind one with: keeper-secret init --keyring "
		    "(or keeper-keyring config-store)");
		return KSM_ECONFIG;
	case KSM_KR_ELOCKED:
		code = KSM_EPERM;
		break;
	case KSM_KR_ETAMPERED:
		code = KSM_ECRYPTO;
		break;
	case KSM_KR_EINVAL:
		code = KSM_EINVAL;
		break;
	case KSM_KR_ENOMEM:
		code = KSM_ENOMEM;
		break;
	default:		/* no bus, no provider, service errors */
		code = KSM_EIO;
		break;
	}
	(void)ksm__err(code, "keyring: %s", res->msg[0] != '\0' ? res->msg :
	    "the Secret Service failed");
	if (res->hint[0] != '\0')
		ksm__err_hint("%s", res->hint);
	return code;
}

int
ksm_config__keyring_load(char **out, const char *profile, int *kr_code)
{
	const struct ksm_keyring_module *m;
	struct ksm_keyring_result res;
	char *text = NULL;
	int r;

	*out = NULL;
	if (kr_code != NULL)
		*kr_code = KSM_KR_ERROR;
	if ((r = module_get(&m)) != 0) {
		if (kr_code != NULL)
			*kr_code = KSM_KR_ENOMODULE;
		return r;
	}
	memset(&res, 0, sizeof(res));
	if (m->config_load(&text, profile, &res) != 0 || text == NULL) {
		if (kr_code != NULL)
			*kr_code = res.code;
		m->free_text(text);
		return map_result(&res, profile);
	}
	if (kr_code != NULL)
		*kr_code = 0;
	/* copy into our allocator so that ksmx_strfree is the way out */
	if ((*out = ksmx_strdup(text)) == NULL)
		r = ksm__err(KSM_ENOMEM, "out of memory");
	m->free_text(text);
	return r;
}

int
ksm_config__keyring_store(const char *profile, const char *json)
{
	const struct ksm_keyring_module *m;
	struct ksm_keyring_result res;
	int r;

	if ((r = module_get(&m)) != 0)
		return r;
	memset(&res, 0, sizeof(res));
	if (m->config_store(profile, json, &res) != 0)
		return map_result(&res, profile);
	return 0;
}
