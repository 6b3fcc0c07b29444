// jssdk-notation.mjs: the official KSM JavaScript SDK's notation and TOTP
// functions, for tests/integration/notation-jssdk.sh and tests/bench/.
//
// usage: node jssdk-notation.mjs --config FILE [--ca-file FILE]
//        node jssdk-notation.mjs --totp
//        node jssdk-notation.mjs --parse GRAMMAR.json
//
// Notation mode reads notations from stdin, one a line, resolves each with
// the SDK's exported getNotationResults() (config: a bound localConfigStorage
// file holding serverPublicKey/serverPublicKeyId, e.g. the one
// jssdk-client.mjs wrote) and prints one JSON line per notation:
//   {"values":["...",...]}  or  {"error":"<class>","message":"<SDK text>"}
// where <class> maps the SDK's message to libksm's code names (ENOTFOUND,
// EAMBIGUOUS, ENOTATION, else EOTHER).  TOTP mode reads "UNIXTIME URI" lines
// and prints getTotpCode()'s {"code":"...","timeLeft":N} or {"error":"EINVAL"}
// for a null result.  Parse mode runs the SDK's exported parseNotation() in
// both readings (strict, and legacyMode as getValue uses it) over every row
// of tests/vectors/notation-grammar.json (its "text", or its "hex" bytes)
// and prints one line per row: {"strict":P,"legacy":P}, P being
// {"record","selector" (lower case),"parameter","index1","index2"} with
// absent parts left out, or {"error":"<SDK text>"}.
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
let ksm	// the SDK, once loaded

function say (msg) {
	process.stderr.write(`jssdk-notation: ${msg}\n`)
}

function usage (msg) {
	say(msg)
	say('usage: node jssdk-notation.mjs --config FILE [--ca-file FILE] | --totp | --parse FILE')
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

// the parts of one parseNotation() result, in the table's shape
function parsed (text, legacy) {
	try {
		const p = ksm.parseNotation(text, legacy)
		const sel = p[2]
		const out = { record: p[1].text[0], selector: sel.text[0].toLowerCase() }
		if (sel.parameter) out.parameter = sel.parameter[0]
		if (sel.index1) out.index1 = sel.index1[0]
		if (sel.index2) out.index2 = sel.index2[0]
		return out
	} catch (e) {
		return { error: e && e.message ? e.message : String(e) }
	}
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
		case '--parse': o.parse = val(); break
		default: usage(`unknown argument '${a}'`)
		}
	}
	if (!o.totp && !o.config && !o.parse) usage('--config, --totp or --parse is required')
	ksm = require(process.env.KSM_JSSDK || '@keeper-security/secrets-manager-core')
	const out = []
	if (o.parse) {
		for (const row of JSON.parse(fs.readFileSync(o.parse, 'utf8')).rows) {
			const text = row.hex !== undefined ? Buffer.from(row.hex, 'hex').toString('utf8') : row.text
			out.push({ strict: parsed(text, false), legacy: parsed(text, true) })
		}
	} else if (o.totp) {
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
