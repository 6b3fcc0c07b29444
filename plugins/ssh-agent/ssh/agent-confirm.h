/*
 * Ask the user before a key is used, the way ssh-agent does for keys
 * added with ssh-add -c: run $SSH_ASKPASS (default /usr/bin/ssh-askpass)
 * with the prompt as its argument and SSH_ASKPASS_PROMPT=confirm in its
 * environment.  It allows when the program exits 0 and prints nothing or
 * "yes"; anything else, no program, or no answer within the timeout
 * refuses (the program's process group is killed).
 */
#ifndef AGENT_CONFIRM_H
#define AGENT_CONFIRM_H

#define AGENT_CONFIRM_DEFAULT	"/usr/bin/ssh-askpass"
#define AGENT_CONFIRM_TIMEOUT	60	/* seconds, the default */

/*
 * 0: allowed.  KSM_EACCESS: refused, with ksm_error_last() saying how
 * (the answer, the exit status, the timeout, or why it could not run).
 * Blocks the caller up to timeout_s seconds (0: the default).
 */
int	agent_confirm(const char *prompt, unsigned timeout_s);

#endif /* AGENT_CONFIRM_H */
