// git-credential-jssdk.mjs: the peer of git-credential-keeper for
// tests/bench/bench-git.sh -- a git credential helper script built on the
// official KSM JavaScript SDK (KSM_JSSDK names its directory), doing what
// a hand-rolled helper does: fetch every record, pick the one whose url
// field matches protocol://host and whose login matches the username.
//
// usage (git runs it): node git-credential-jssdk.mjs --config FILE
//        [--ca-file FILE] get|store|erase
// Sandbox only: it prints a password on stdout, as a helper must.
import fs from 'node:fs'
import https from 'node:https'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

function fail (msg) {
	process.stderr.write(`git-credential-jssdk: ${msg}\n`)
	process.exit(0)		// git falls through to the next helper
}

function readRequest () {
	const req = {}
	for (const line of fs.readFileSync(0, 'utf8').split('\n')) {
		if (line === '') break
		const eq = line.indexOf('=')
		if (eq > 0) req[line.slice(0, eq)] = line.slice(eq + 1)
	}
	return req
}

function firstValue (rec, type) {
	for (const list of [rec.data.fields || [], rec.data.custom || []])
		for (const f of list)
			if (f.type === type && Array.isArray(f.value) && typeof f.value[0] === 'string')
				return f.value[0]
	return undefined
}

function urls (rec) {
	const out = []
	for (const list of [rec.data.fields || [], rec.data.custom || []])
		for (const f of list)
			if (f.type === 'url' && Array.isArray(f.value)) out.push(...f.value)
	return out
}

function matches (url, req) {
	let u
	try { u = new URL(url) } catch { return false }
	return u.protocol === req.protocol + ':' && u.host.toLowerCase() === req.host.toLowerCase()
}

async function main () {
	const argv = process.argv.slice(2)
	let config, caFile
	const rest = []
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--config') config = argv[++i]
		else if (argv[i] === '--ca-file') caFile = argv[++i]
		else rest.push(argv[i])
	}
	if (rest[0] !== 'get') return
	const req = readRequest()
	if (!req.protocol || !req.host || !config) return
	const ksm = require(process.env.KSM_JSSDK || '@keeper-security/secrets-manager-core')
	if (caFile) ksm.setCustomProxyAgent(new https.Agent({ ca: fs.readFileSync(caFile), keepAlive: false }))
	const { records } = await ksm.getSecrets({ storage: ksm.localConfigStorage(config) })
	const hits = records.filter(r => urls(r).some(u => matches(u, req)) &&
	    (!req.username || firstValue(r, 'login') === req.username))
	if (hits.length !== 1) return
	const pw = firstValue(hits[0], 'password')
	if (pw === undefined) return
	process.stdout.write(`username=${firstValue(hits[0], 'login') || req.username}\npassword=${pw}\n`)
}

main().catch(e => fail(e && e.message ? e.message : String(e)))
