// jssdk-notation.mjs: the official KSM JavaScript SDK's notation and TOTP
// functions, for tests/integration/notation-jssdk.sh and tests/bench/.
//
// usage: node jssdk-notation.mjs --config FILE [--ca-file FILE]
//        node jssdk-notation.mjs --totp
//
// Notation mode reads notations from stdin, one a line, resolves each with
// the SDK's exported getNotationResults() (config: a bound localConfigStorage
// file holding serverPublicKey/serverPublicKeyId, e.g. the one
// jssdk-client.mjs wrote) and prints one JSON line per notation:
//   {"values":["...",...]}  or  {"error":"<class>","message":"<SDK text>"}
// where <class> maps the SDK's message to libksm's code names (ENOTFOUND,
// EAMBIGUOUS, ENOTATION, else EOTHER).  TOTP mode reads "UNIXTIME URI" lines
// and prints getTotpCode()'s {"code":"...","timeLeft":N} or {"error":"EINVAL"}
// for a null result.
//
// Exit 1 on any console.error/console.warn of the SDK (it logs and swallows
// some problems) and on setup failures; exit 2 on usage errors.  Its
// console.log notes ("Notation warning - extracted 0 out of 1 values ...")
// are informational: they go to stderr, prefixed.  The values
// printed are secrets: a test tool, for the sandbox only.
import fs from 'node:fs'
import https from 'node:https'
import { createRequire } from 'node:module'

import { consoleOutput } from './jssdk-console.mjs'

const require = createRequire(import.meta.url)

function say (msg) {
	process.stderr.write(`jssdk-notation: ${msg}\n`)
}

function usage (msg) {
	say(msg)
	say('usage: node jssdk-notation.mjs --config FILE [--ca-file FILE] | --totp')
	process.exit(2)
}

// the SDK's error texts (keeper.ts, notation.ts) by meaning
function errorClass (msg) {
	if (/no records match|has no fields matching|has no files matching|has no file attachments|index out of bounds|Expected \/field or \/custom_field/i.test(msg))
		return 'ENOTFOUND'
	if (/multiple (records|fields|files) match/i.test(msg)) return 'EAMBIGUOUS'
	if (/Invalid notation|Invalid field index|[Pp]arsing error|Missing required parameter|notation/i.test(msg))
		return 'ENOTATION'
	return 'EOTHER'
}

function readLines () {
	const text = fs.readFileSync(0, 'utf8')
	const lines = text.split('\n')
	if (lines.length && lines[lines.length - 1] === '') lines.pop()
	return lines.map(l => l.replace(/\r$/, ''))
}

async function main () {
	const argv = process.argv.slice(2)
	const o = {}
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i]
		const val = () => {
			if (i + 1 >= argv.length) usage(`${a} needs a value`)
			return argv[++i]
		}
		switch (a) {
		case '--config': o.config = val(); break
		case '--ca-file': o.caFile = val(); break
		case '--totp': o.totp = true; break
		default: usage(`unknown argument '${a}'`)
		}
	}
	if (!o.totp && !o.config) usage('--config or --totp is required')
	const ksm = require(process.env.KSM_JSSDK || '@keeper-security/secrets-manager-core')
	const out = []
	if (o.totp) {
		for (const line of readLines()) {
			const sp = line.indexOf(' ')
			if (sp < 0) throw new Error('TOTP input lines are "UNIXTIME URI"')
			const r = await ksm.getTotpCode(line.slice(sp + 1), Number(line.slice(0, sp)))
			out.push(r == null ? { error: 'EINVAL' } : { code: r.code, timeLeft: r.timeLeft })
		}
	} else {
		if (o.caFile) ksm.setCustomProxyAgent(new https.Agent({ ca: fs.readFileSync(o.caFile), keepAlive: false }))
		const storage = ksm.localConfigStorage(o.config)
		if (!(await storage.getString('serverPublicKey')))
			throw new Error('the config has no serverPublicKey (the SDK would use Keeper\'s production keys)')
		const opts = { storage }
		for (const notation of readLines()) {
			try {
				const values = await ksm.getNotationResults(opts, notation)
				out.push({ values })
			} catch (e) {
				const message = e && e.message ? e.message : String(e)
				out.push({ error: errorClass(message), message })
			}
		}
	}
	const bad = consoleOutput.filter(c => /^console\.(error|warn|trace):/.test(c))
	for (const c of consoleOutput) if (!bad.includes(c)) say(`note: ${c}`)
	if (bad.length) {
		consoleOutput.length = 0
		consoleOutput.push(...bad)
		throw new Error('the SDK wrote errors or warnings to the console')
	}
	process.stdout.write(out.map(x => JSON.stringify(x)).join('\n') + (out.length ? '\n' : ''))
}

main().then(() => process.exit(0), e => {
	say(e && e.message ? e.message : String(e))
	for (const c of consoleOutput) say(c)
	process.exit(1)
})
