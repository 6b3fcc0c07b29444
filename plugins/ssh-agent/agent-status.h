/* keeper-agent --status (agent-status.c). */
#ifndef AGENT_STATUS_H
#define AGENT_STATUS_H

/* Print the running agent's status: the exit status (0, 1: none, 2). */
int	agent_status(const char *secrets_sock);

#endif /* AGENT_STATUS_H */
