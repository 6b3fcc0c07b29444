/*
 * pam-driver: run a PAM service from a private directory (no /etc/pam.d)
 * through real Linux-PAM, for tests/integration/pam.sh.
 *
 *	pam-driver CONFDIR SERVICE USER STEP...
 *		STEP: auth | acct | open | close | env:NAME | key:NAME
 *	pam-driver --exports MODULE.so
 *
 * The password comes from $PAM_DRIVER_PASSWORD, else one line of stdin;
 * never from argv.  With $PAM_DRIVER_PASSWORD2 the conversation answers
 * it to the second prompt (try_first_pass).  Each step prints one line,
 * "auth PAM_AUTH_ERR", "env DB=value" or "env DB unset", "key DB=value"
 * or "key DB absent" (session keyring, "keeper:DB"); the driver runs in
 * a fresh session keyring of its own.  The exit status is 0 unless the
 * driver itself fails (2).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>
#ifdef HAVE_KEYUTILS
#include <keyutils.h>
#endif

struct answers {
	const char	*pw[2];
	int		 asked;
};

static const char *
code_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS:		return "PAM_SUCCESS";
	case PAM_AUTH_ERR:		return "PAM_AUTH_ERR";
	case PAM_IGNORE:		return "PAM_IGNORE";
	case PAM_AUTHINFO_UNAVAIL:	return "PAM_AUTHINFO_UNAVAIL";
	case PAM_SERVICE_ERR:		return "PAM_SERVICE_ERR";
	case PAM_USER_UNKNOWN:		return "PAM_USER_UNKNOWN";
	case PAM_ACCT_EXPIRED:		return "PAM_ACCT_EXPIRED";
	case PAM_PERM_DENIED:		return "PAM_PERM_DENIED";
	case PAM_SESSION_ERR:		return "PAM_SESSION_ERR";
	case PAM_SYSTEM_ERR:		return "PAM_SYSTEM_ERR";
	case PAM_BUF_ERR:		return "PAM_BUF_ERR";
	default: {
		static char other[32];

		snprintf(other, sizeof(other), "PAM_OTHER(%d)", rc);
		return other;
	}
	}
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct answers *a = data;
	struct pam_response *r;
	const char *pw;
	int i;

	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		pw = a->pw[a->asked > 0 && a->pw[1] != NULL ? 1 : 0];
		a->asked++;
		if (pw == NULL || (r[i].resp = strdup(pw)) == NULL) {
			for (; i >= 0; i--)
				free(r[i].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static void
print_key(const char *name)
{
#ifdef HAVE_KEYUTILS
	char desc[256];
	void *v = NULL;
	key_serial_t id;
	long n;

	snprintf(desc, sizeof(desc), "keeper:%s", name);
	id = keyctl_search(KEY_SPEC_SESSION_KEYRING, "user", desc, 0);
	if (id < 0 || (n = keyctl_read_alloc(id, &v)) < 0) {
		printf("key %s absent\n", name);
		return;
	}
	printf("key %s=%.*s\n", name, (int)n, (const char *)v);
	free(v);
#else
	printf("key %s unsupported\n", name);
#endif
}

/* Only pam_sm_* resolve; internals (libksm, the plug-in's own) do not. */
static int
exports(const char *module)
{
	static const char *const want[] = {
		"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt",
		"pam_sm_open_session", "pam_sm_close_session", NULL
	};
	static const char *const hidden[] = {
		"ksm_client_new", "ksm_notation_get", "ksm_error_last",
		"ksmx_memeq_ct", "pk_opts_init", "pk_config_load",
		"pk_path_trusted", "ksm__err", "pk_cache_check",
		"pk_cache_store", "pk_folder_password", "pk_keyring_add", NULL
	};
	void *h = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	int i, bad = 0;

	if (h == NULL) {
		printf("dlopen failed: %s\n", dlerror());
		return 1;
	}
	for (i = 0; want[i] != NULL; i++)
		if (dlsym(h, want[i]) == NULL) {
			printf("missing %s\n", want[i]);
			bad = 1;
		}
	for (i = 0; hidden[i] != NULL; i++)
		if (dlsym(h, hidden[i]) != NULL) {
			printf("exported %s\n", hidden[i]);
			bad = 1;
		}
	dlclose(h);
	if (!bad)
		printf("exports ok\n");
	return bad;
}

int
main(int argc, char **argv)
{
	static char line[1024];
	struct answers a = { { NULL, NULL }, 0 };
	struct pam_conv pc = { conv, &a };
	pam_handle_t *h = NULL;
	const char *v;
	int i, rc = PAM_SUCCESS;

	if (argc == 3 && strcmp(argv[1], "--exports") == 0)
		return exports(argv[2]);
	if (argc < 5) {
		fprintf(stderr, "usage: pam-driver CONFDIR SERVICE USER "
		    "auth|acct|open|close|env:NAME...\n");
		return 2;
	}
	a.pw[0] = getenv("PAM_DRIVER_PASSWORD");
	a.pw[1] = getenv("PAM_DRIVER_PASSWORD2");
	if (a.pw[0] == NULL && fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		a.pw[0] = line;
	}
#ifdef HAVE_KEYUTILS
	if (keyctl_join_session_keyring(NULL) < 0) {
		perror("keyctl_join_session_keyring");
		return 2;
	}
#endif
	if ((rc = pam_start_confdir(argv[2], argv[3], &pc, argv[1], &h)) !=
	    PAM_SUCCESS) {
		fprintf(stderr, "pam_start_confdir: %d\n", rc);
		return 2;
	}
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "auth") == 0)
			rc = pam_authenticate(h, 0);
		else if (strcmp(argv[i], "acct") == 0)
			rc = pam_acct_mgmt(h, 0);
		else if (strcmp(argv[i], "open") == 0)
			rc = pam_open_session(h, 0);
		else if (strcmp(argv[i], "close") == 0)
			rc = pam_close_session(h, 0);
		else if (strncmp(argv[i], "env:", 4) == 0) {
			if ((v = pam_getenv(h, argv[i] + 4)) != NULL)
				printf("env %s=%s\n", argv[i] + 4, v);
			else
				printf("env %s unset\n", argv[i] + 4);
			continue;
		} else if (strncmp(argv[i], "key:", 4) == 0) {
			print_key(argv[i] + 4);
			continue;
		} else {
			fprintf(stderr, "unknown step '%s'\n", argv[i]);
			pam_end(h, PAM_SYSTEM_ERR);
			return 2;
		}
		printf("%s %s\n", argv[i], code_name(rc));
	}
	pam_end(h, rc);
	return 0;
}
