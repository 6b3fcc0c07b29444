// jssdk-client.mjs: the official Keeper Secrets Manager JavaScript SDK
// (@keeper-security/secrets-manager-core, pinned in package.json) as a
// second client of keeper-sandbox, for tests/integration/conformance-jssdk.sh.
//
// usage: node jssdk-client.mjs --config FILE [--token -] [--host HOST]
//            [--server-key ID:KEY] [--ca-file FILE] [--no-wire-check]
//        node jssdk-client.mjs --config-env [--ca-file FILE] [...]
//
//   --config FILE        the SDK's localConfigStorage JSON file; written when
//                        binding, read (and rewritten by the SDK) otherwise
//   --config-env         the configuration is $KSM_CONFIG (base64 or JSON),
//                        read with the SDK's own loadJsonConfig, as the
//                        SDK documents for KSM_CONFIG; nothing is written
//   --token -            bind with the one-time token read from stdin (a bare
//                        url-base64 key); the environment variable
//                        KSM_JSSDK_TOKEN is the other way.  Never in argv.
//   --host HOST          host[:port] of the server; needed to bind
//   --server-key ID:KEY  custom server public key (decimal id, url base64 of
//                        the 65-byte point); without it the config must hold
//                        serverPublicKey/serverPublicKeyId
//   --ca-file FILE       trust only this CA (PEM) for the HTTPS connections
//   --no-wire-check      skip the checks of the decrypted responses
//
// Prints on stdout a canonical JSON object (keys sorted at every level):
//   { "<record uid>": { <decrypted record data: title, type, fields, custom,
//                        notes, ...>, "files": ["<file name>", ...] } }
// ("files" only for records that have attachments).
//
// The SDK is lenient: it skips records it cannot decrypt with only a
// console.error, swallows the errors of the re-fetch after binding, accepts
// both base64 alphabets and reads an unparsable config file as {}.  So this
// script fails (exit 1) on any console output of the SDK, on any thrown
// error, on a config file that is not what the SDK's format needs, and
// (unless --no-wire-check) on responses whose shape or base64 alphabets
// differ from what the real server sends (docs: jssdk-conformance.md §2c,
// §2e).  Exit 2 is a usage error.  Nothing secret is printed on stderr.
import crypto from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import { createRequire } from 'node:module'

import { consoleOutput, sortKeys } from './jssdk-console.mjs'

const require = createRequire(import.meta.url)

function say (msg) {
	process.stderr.write(`jssdk-client: ${msg}\n`)
}

class Failure extends Error {}

function fail (msg) {
	throw new Failure(msg)
}

// ---- arguments ----

function usage (msg) {
	say(msg)
	say('usage: node jssdk-client.mjs --config FILE [--token -] [--host HOST] ' +
	    '[--server-key ID:KEY] [--ca-file FILE] [--no-wire-check]')
	process.exit(2)
}

function parseArgs (argv) {
	const o = { wireCheck: true }
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i]
		const val = () => {
			if (i + 1 >= argv.length) usage(`${a} needs a value`)
			return argv[++i]
		}
		switch (a) {
		case '--config': o.config = val(); break
		case '--config-env': o.configEnv = true; break
		case '--token': o.token = val(); break
		case '--host': o.host = val(); break
		case '--server-key': o.serverKey = val(); break
		case '--ca-file': o.caFile = val(); break
		case '--no-wire-check': o.wireCheck = false; break
		default: usage(`unknown argument '${a}'`)
		}
	}
	if (!o.config === !o.configEnv) usage('give one of --config and --config-env')
	if (o.configEnv && !process.env.KSM_CONFIG) usage('--config-env: KSM_CONFIG is not set')
	if (o.token !== undefined && o.token !== '-')
		usage('--token takes only "-" (read the token from stdin); use KSM_JSSDK_TOKEN otherwise')
	if (o.serverKey !== undefined) {
		const m = /^(\d+):([A-Za-z0-9_-]+=*)$/.exec(o.serverKey)
		if (!m) usage('--server-key must be ID:KEY (decimal id, url base64 key)')
		o.serverPublicKeyId = m[1]
		o.serverPublicKey = m[2]
	}
	return o
}

function readToken (o) {
	let t
	if (o.token === '-') t = fs.readFileSync(0, 'utf8')
	else if (process.env.KSM_JSSDK_TOKEN) t = process.env.KSM_JSSDK_TOKEN
	else return null
	t = t.trim()
	if (!/^[A-Za-z0-9_-]{43}$/.test(t))
		fail('the one-time token is not 43 url-base64 characters (a bare key, no region prefix)')
	return t
}

// ---- base64 shapes ----

const STD_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const URL_B64_NOPAD = /^[A-Za-z0-9_-]*$/
const UID = /^[A-Za-z0-9_-]{22}$/

// std base64 (padded) of `len` bytes, or of at least -len bytes when len < 0
function checkStd (problems, where, v, len) {
	if (typeof v !== 'string' || v.length === 0 || !STD_B64.test(v)) {
		problems.push(`${where}: not padded standard base64`)
		return null
	}
	const b = Buffer.from(v, 'base64')
	if ((len > 0 && b.length !== len) || (len < 0 && b.length < -len))
		problems.push(`${where}: ${b.length} bytes, want ${len > 0 ? len : `>= ${-len}`}`)
	return b
}

// ---- the config file ----

// The SDK reads an unparsable file as {} and then complains about something
// else; it also assumes a fixed 138-byte PKCS#8 layout for privateKey (scalar
// at bytes 36..68, public point in the last 65).  Check both up front.
function checkConfigFile (file) {
	let text
	try {
		text = fs.readFileSync(file, 'utf8')
	} catch (e) {
		fail(`cannot read config ${file}: ${e.code || e.message}`)
	}
	let cfg
	try {
		cfg = JSON.parse(text)
	} catch (e) {
		fail(`config ${file} is not JSON: ${e.message}`)
	}
	if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg))
		fail(`config ${file} is not a JSON object`)
	for (const [k, v] of Object.entries(cfg))
		if (typeof v !== 'string') fail(`config ${file}: "${k}" is not a string`)
	for (const k of ['hostname', 'clientId', 'privateKey', 'appKey'])
		if (!cfg[k]) fail(`config ${file} has no "${k}" (not a bound configuration)`)
	const problems = []
	checkStd(problems, 'config clientId', cfg.clientId, 64)
	checkStd(problems, 'config appKey', cfg.appKey, 32)
	if (cfg.appOwnerPublicKey) checkStd(problems, 'config appOwnerPublicKey', cfg.appOwnerPublicKey, 65)
	const der = checkStd(problems, 'config privateKey', cfg.privateKey, 138)
	if (der && der.length === 138) {
		try {
			const key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
			const jwk = key.export({ format: 'jwk' })
			if (jwk.crv !== 'P-256') problems.push(`config privateKey: curve ${jwk.crv}, want P-256`)
			const d = Buffer.from(jwk.d, 'base64url')
			const pub = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')])
			if (!d.equals(der.subarray(36, 68)))
				problems.push('config privateKey: the private scalar is not at bytes 36..68 (the JS SDK reads it there)')
			if (!pub.equals(der.subarray(der.length - 65)))
				problems.push('config privateKey: the PKCS#8 does not end with the public point (the JS SDK reads it there)')
		} catch (e) {
			problems.push(`config privateKey: not a PKCS#8 EC key: ${e.message}`)
		}
	}
	if (problems.length) fail(problems.join('; '))
	return cfg
}

// ---- wire checks of the decrypted responses ----

function gcmDecrypt (key, data) {
	if (data.length < 28) throw new Error(`${data.length} bytes, too short for AES-GCM`)
	const d = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, 12))
	d.setAuthTag(data.subarray(data.length - 16))
	return Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()])
}

const exchanges = []

function checkRecord (problems, where, r) {
	if (!r || typeof r !== 'object') {
		problems.push(`${where}: not an object`)
		return
	}
	if (typeof r.recordUid !== 'string' || !UID.test(r.recordUid))
		problems.push(`${where}.recordUid: not a 22-character uid`)
	where = `record ${r.recordUid}`
	checkStd(problems, `${where}.recordKey`, r.recordKey, 60)
	checkStd(problems, `${where}.data`, r.data, -28)
	if (typeof r.revision !== 'number') problems.push(`${where}.revision: not a number`)
	if (r.files !== null && r.files !== undefined) {
		if (!Array.isArray(r.files)) {
			problems.push(`${where}.files: neither null nor an array`)
		} else {
			for (const f of r.files) {
				const fw = `${where} file ${f && f.fileUid}`
				if (!f || typeof f.fileUid !== 'string' || !UID.test(f.fileUid))
					problems.push(`${fw}: fileUid is not a 22-character uid`)
				checkStd(problems, `${fw}.fileKey`, f && f.fileKey, 60)
				checkStd(problems, `${fw}.data`, f && f.data, -28)
				if (!f || typeof f.url !== 'string') problems.push(`${fw}.url: not a string`)
			}
		}
	}
}

// what the real server sends for get_secret (jssdk-conformance.md §2c, §2e)
function checkGetSecret (problems, request, resp) {
	const binding = typeof request.publicKey === 'string'
	if (binding) {
		checkStd(problems, 'encryptedAppKey', resp.encryptedAppKey, 60)
		checkStd(problems, 'appOwnerPublicKey', resp.appOwnerPublicKey, 65)
	} else {
		if (resp.encryptedAppKey !== null && resp.encryptedAppKey !== undefined)
			problems.push('encryptedAppKey: present in a response to a bound client')
	}
	if (typeof resp.appData !== 'string' || !URL_B64_NOPAD.test(resp.appData) || resp.appData.length < 38)
		problems.push('appData: not unpadded url-safe base64 of an AES-GCM blob')
	if (resp.records !== null && !Array.isArray(resp.records))
		problems.push('records: neither null nor an array')
	for (const [i, r] of (resp.records || []).entries()) checkRecord(problems, `records[${i}]`, r)
	if (resp.folders !== null && !Array.isArray(resp.folders))
		problems.push('folders: neither null nor an array')
	for (const [i, f] of (resp.folders || []).entries()) {
		const where = `folders[${i}]`
		if (!f || typeof f.folderUid !== 'string' || !UID.test(f.folderUid))
			problems.push(`${where}.folderUid: not a 22-character uid`)
		checkStd(problems, `${where}.folderKey`, f && f.folderKey, 60)
		if (!f || !Array.isArray(f.records)) {
			problems.push(`${where}.records: not an array`)
			continue
		}
		for (const [j, r] of f.records.entries()) checkRecord(problems, `${where}.records[${j}]`, r)
	}
	if (typeof resp.expiresOn !== 'number') problems.push('expiresOn: not a number')
	if (resp.warnings !== null && resp.warnings !== undefined && !Array.isArray(resp.warnings))
		problems.push('warnings: neither null nor an array')
}

function wireCheckingPost (ksm) {
	return async (url, tk, payload, allowUnverified) => {
		const resp = await ksm.postFunction(url, tk, payload, allowUnverified)
		const endpoint = url.replace(/^.*\/api\/rest\/sm\/v1\//, '')
		const ex = { endpoint, status: resp.statusCode, binding: false, problems: [] }
		exchanges.push(ex)
		let request
		try {
			request = JSON.parse(gcmDecrypt(Buffer.from(tk.key), Buffer.from(payload.payload)).toString('utf8'))
		} catch (e) {
			ex.problems.push(`cannot decrypt our own request: ${e.message}`)
			return resp
		}
		ex.binding = typeof request.publicKey === 'string'
		if (resp.statusCode !== 200) return resp
		let body
		try {
			body = JSON.parse(gcmDecrypt(Buffer.from(tk.key), Buffer.from(resp.data)).toString('utf8'))
		} catch (e) {
			ex.problems.push(`200 response body: ${e.message}`)
			return resp
		}
		if (body === null || typeof body !== 'object' || Array.isArray(body))
			ex.problems.push('200 response body: not a JSON object')
		else if (endpoint === 'get_secret')
			checkGetSecret(ex.problems, request, body)
		return resp
	}
}

// ---- canonical output ----

function canonical (secrets) {
	const out = {}
	for (const r of secrets.records) {
		if (Object.prototype.hasOwnProperty.call(out, r.recordUid))
			fail(`record ${r.recordUid} returned twice`)
		const data = { ...r.data }
		if (r.files && r.files.length) data.files = r.files.map(f => f.data.name)
		out[r.recordUid] = data
	}
	return sortKeys(out)
}

// ---- main ----

async function main () {
	const o = parseArgs(process.argv.slice(2))
	let ksm
	try {
		ksm = require(process.env.KSM_JSSDK || '@keeper-security/secrets-manager-core')
	} catch (e) {
		fail(`cannot load @keeper-security/secrets-manager-core (npm ci in tests/conformance?): ${e.message}`)
	}
	const token = readToken(o)
	if (o.caFile) {
		let ca
		try {
			ca = fs.readFileSync(o.caFile)
		} catch (e) {
			fail(`cannot read CA file ${o.caFile}: ${e.code || e.message}`)
		}
		ksm.setCustomProxyAgent(new https.Agent({ ca, keepAlive: false }))
	}

	let bound
	if (token) {
		if (!o.host || o.configEnv) usage('--host and --config are required to bind with a token')
		if (fs.existsSync(o.config)) fail(`config ${o.config} exists; binding writes a new one`)
		bound = false
	} else {
		if (!o.configEnv) checkConfigFile(o.config)
		bound = true
	}
	const storage = o.configEnv ? ksm.loadJsonConfig(process.env.KSM_CONFIG)
	    : ksm.localConfigStorage(o.config)
	if (!bound) await ksm.initializeStorage(storage, token, o.host)
	const opts = { storage }
	if (o.serverPublicKey) {
		opts.serverPublicKey = o.serverPublicKey
		opts.serverPublicKeyId = o.serverPublicKeyId
	} else if (!(await storage.getString('serverPublicKey'))) {
		fail('no --server-key and no serverPublicKey in the config (the SDK would use Keeper\'s production keys)')
	}
	if (o.wireCheck) opts.queryFunction = wireCheckingPost(ksm)

	const secrets = await ksm.getSecrets(opts)

	if (!bound) {
		for (const k of ['appKey', 'appOwnerPublicKey'])
			if (!(await storage.getString(k))) fail(`the SDK stored no ${k} after binding`)
		if (await storage.getString('clientKey')) fail('the SDK kept clientKey after binding')
	}
	if (o.wireCheck) {
		const problems = []
		const seq = exchanges.map(e => `${e.endpoint}${e.binding ? '(bind)' : ''}=${e.status}`).join(' ')
		// binding: the bind request then the SDK's automatic re-fetch
		const want = bound ? ['get_secret=200'] : ['get_secret(bind)=200', 'get_secret=200']
		if (seq !== want.join(' ')) problems.push(`requests: got [${seq}], want [${want.join(' ')}]`)
		for (const e of exchanges)
			for (const p of e.problems) problems.push(`${e.endpoint}${e.binding ? '(bind)' : ''}: ${p}`)
		if (problems.length) fail('server responses differ from the real server\'s:\n  ' + problems.join('\n  '))
	}
	if (!secrets.appData || typeof secrets.appData.title !== 'string')
		fail('no decrypted appData')
	const out = canonical(secrets)
	if (consoleOutput.length) fail('the SDK wrote to the console (each line follows)')
	process.stdout.write(JSON.stringify(out, null, 2) + '\n')
}

main().then(() => process.exit(0), e => {
	if (!(e instanceof Failure)) say(`the SDK threw ${e.constructor.name}: ${e.message}`)
	else say(e.message)
	for (const c of consoleOutput) say(c)
	process.exit(1)
})
