# completions/: bash, zsh and fish completions.  keeper-secret's are thin
# wrappers around `keeper-secret __complete` (cli/cmd-complete.c);
# keeper-agent's and keeper-keyring's read their --help.
bashcompletion_DATA = completions/bash/keeper-secret \
	completions/bash/keeper-agent
zshcompletion_DATA = completions/zsh/_keeper-secret
fishcompletion_DATA = completions/fish/keeper-secret.fish \
	completions/fish/keeper-agent.fish
if ENABLE_KEYRING
bashcompletion_DATA += completions/bash/keeper-keyring
fishcompletion_DATA += completions/fish/keeper-keyring.fish
endif
EXTRA_DIST += completions/bash/keeper-secret completions/bash/keeper-agent \
	completions/bash/keeper-keyring completions/zsh/_keeper-secret \
	completions/fish/keeper-secret.fish completions/fish/keeper-agent.fish \
	completions/fish/keeper-keyring.fish
