/* Client options from the command line; libksm reads the environment. */
#include "config.h"

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
