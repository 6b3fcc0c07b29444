/* The client object shared by client.c, bind.c, transport.c and records.c. */
#ifndef KSM_CLIENT_INT_H
#define KSM_CLIENT_INT_H

#include "ksm-int.h"
#include "ksm-config.h"
#include "crypto.h"

struct ksm_client {
	struct ksm_config *cfg;		/* owned */
	ksm_eckey	*key;		/* client private key, owned */
	unsigned char	 app_key[32];
	int		 have_app_key;
	unsigned char	 client_key[32];	/* only while unbound */
	int		 have_client_key;
	char		*hostname;	/* host[:port], owned */
	char		*ca_file;	/* NULL: system store */
	char		*client_id;	/* std base64 */
	char		*client_version;
	int		 server_key_id;
	unsigned char	 server_point[65];	/* selected server key */
	int		 have_custom_server_key;
	unsigned int	 connect_timeout_ms;
	unsigned int	 timeout_ms;
	unsigned int	 max_throttle_wait_ms;
	unsigned int	 flags;
};

/*
 * One API call: build the transmission key, encrypt and sign payload_json,
 * POST to https://host/api/rest/sm/v1/<endpoint>, handle `key` rotation
 * and throttling, map errors to ksm codes with messages, and on success
 * leave the decrypted body (possibly empty) in *plain.
 */
int	ksm_transport__call(struct ksm_client *c, const char *endpoint,
	    const char *payload_json, struct ksmx_buf *plain);

/* Build the get_secret payload (with publicKey while unbound). */
char	*ksm_client__payload(struct ksm_client *c,
	    const char *const *uids, size_t n_uids);

/* Decrypt a get_secret response into a record set (records.c). */
int	ksm_records__from_response(ksm_records **out, const unsigned char *app_key,
	    const void *plain, size_t plain_len);

/* Internal: the parsed record JSON (borrowed; valid as the set). */
struct cJSON;
const struct cJSON *ksm_record__data(const ksm_record *r);
const unsigned char *ksm_file__key(const ksm_file *f);	/* 32 bytes */
const char *ksm_file__url(const ksm_file *f);

#endif /* KSM_CLIENT_INT_H */
