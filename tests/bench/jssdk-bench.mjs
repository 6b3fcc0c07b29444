// jssdk-bench.mjs: the peer side of tests/bench/bench.sh, on the official
// KSM JavaScript SDK (@keeper-security/secrets-manager-core, pinned in
// tests/conformance/package-lock.json; KSM_JSSDK names its directory).
//
// usage: node jssdk-bench.mjs MODE --config FILE [--ca-file FILE] [args]
//
//   all                 fetch and decrypt every record (getSecrets), print
//                       "records N" (what `keeper-secret list` does)
//   burst N NOTATION    resolve NOTATION N times in this one process; a
//                       throttled call fails at once instead of sleeping
//                       (as libksm with KSM_MAX_THROTTLE_WAIT_MS=0); print
//                       "ok N1 throttled N2 failed N3"
//   aws UID             an AWS credential_process helper: the record's
//                       aws_access_key_id / aws_secret_access_key custom
//                       fields (else login/password) as the JSON object
//                       `aws configure export-credentials` expects
//
// The config is a bound localConfigStorage file that holds serverPublicKey
// (keeper-secret init writes that).  For the sandbox only: `aws` prints
// secrets on stdout, as a credential_process helper must.
import fs from 'node:fs'
import https from 'node:https'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

function fail (msg, code = 1) {
	process.stderr.write(`jssdk-bench: ${msg}\n`)
	process.exit(code)
}

class Throttled extends Error {}

async function main () {
	const argv = process.argv.slice(2)
	const mode = argv.shift()
	const o = { rest: [] }
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i]
		if (a === '--config') o.config = argv[++i]
		else if (a === '--ca-file') o.caFile = argv[++i]
		else o.rest.push(a)
	}
	if (!mode || !o.config) fail('usage: node jssdk-bench.mjs all|burst|aws --config FILE [--ca-file FILE] [args]', 2)
	const ksm = require(process.env.KSM_JSSDK || '@keeper-security/secrets-manager-core')
	if (o.caFile) ksm.setCustomProxyAgent(new https.Agent({ ca: fs.readFileSync(o.caFile), keepAlive: false }))
	const storage = ksm.localConfigStorage(o.config)
	if (!(await storage.getString('serverPublicKey')))
		fail('the config has no serverPublicKey')
	const opts = { storage }

	if (mode === 'all') {
		const recs = await ksm.getSecrets(opts)
		let n = 0
		for (const r of recs.records) if (typeof r.data.title === 'string') n++
		process.stdout.write(`records ${n}\n`)
	} else if (mode === 'burst') {
		const n = Number(o.rest[0])
		const notation = o.rest[1]
		if (!(n > 0) || !notation) fail('burst N NOTATION', 2)
		// the SDK logs a warning before each throttle sleep: keep it quiet
		console.error = () => {}
		opts.throttleSleep = () => { throw new Throttled('throttled') }
		let ok = 0; let throttled = 0; let failed = 0
		for (let i = 0; i < n; i++) {
			try {
				await ksm.getNotationResults(opts, notation)
				ok++
			} catch (e) {
				if (e instanceof Throttled || (e && e.constructor && e.constructor.name === 'KeeperThrottleError')) throttled++
				else failed++
			}
		}
		process.stdout.write(`ok ${ok} throttled ${throttled} failed ${failed}\n`)
	} else if (mode === 'aws') {
		const uid = o.rest[0]
		if (!uid) fail('aws UID', 2)
		const recs = await ksm.getSecrets(opts, [uid])
		const r = recs.records.find(x => x.recordUid === uid)
		if (!r) fail(`record ${uid} not found`)
		const custom = label => {
			const f = (r.data.custom || []).find(c => (c.label || '').toLowerCase() === label)
			return f && f.value && f.value[0]
		}
		const field = type => {
			const f = (r.data.fields || []).find(c => c.type === type)
			return f && f.value && f.value[0]
		}
		const id = custom('access key id') || custom('aws_access_key_id') || field('login')
		const secret = custom('secret access key') || custom('aws_secret_access_key') || field('password')
		if (!id || !secret) fail('the record has no AWS keys')
		process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: id, SecretAccessKey: secret }) + '\n')
	} else {
		fail(`unknown mode '${mode}'`, 2)
	}
}

main().then(() => process.exit(0), e => fail(e && e.message ? e.message : String(e)))
