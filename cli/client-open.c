/* Client options from the command line; libksm reads the environment. */
#include "config.h"

#include <string.h>

#include "cli.h"

/* config_path: the verb's --config, which wins over the global one. */
int
cli_options_init(ksm_client_options *o, const struct cli *cli,
    const char *config_path)
{
	ksm_client_options init = KSM_CLIENT_OPTIONS_INIT;

	*o = init;
	o->config_path = config_path != NULL ? config_path : cli->config_path;
	/* the rest (KSM_HOSTNAME, KSM_CA_FILE, ...) libksm reads itself */
	return 0;
}

/* Open an existing configuration: 0 or an exit status. */
int
cli_client_open(ksm_client **out, const struct cli *cli,
    const char *config_path)
{
	ksm_client_options o;
	int r;

	*out = NULL;
	if ((r = cli_options_init(&o, cli, config_path)) != 0)
		return r;
	if ((r = ksm_client_new(out, &o)) != 0)
		return cli_ksm_fail(r);
	if (cli->verbose)
		cli_cache_verbose(*out);
	return 0;
}

int
cli_profile_name_ok(const char *verb, const char *name)
{
	if (ksm_profile__name_ok(name))
		return 0;
	return cli_usage_error(verb, "'%s' is not a profile name: 1 to %d "
	    "letters, digits, '_' or '-', not starting with '-'", name,
	    KSM_PROFILE_NAME_MAX);
}

int
cli_profile_option(struct cli *cli, const char *name,
    char buf[KSM_PROFILE_PATH_MAX])
{
	int r;

	if ((r = cli_profile_name_ok(NULL, name)) != 0)
		return r;
	if (cli->config_path != NULL && cli->profile == NULL)
		return cli_usage_error(NULL, "--config and --profile both say "
		    "which configuration to use: give one");
	(void)ksm_config__profile_arg(buf, name);
	cli->profile = name;
	cli->config_path = buf;
	return 0;
}
