// jssdk-writes.mjs: the official KSM JavaScript SDK writing to (and
// reading back from) keeper-sandbox, for tests/integration/writes-jssdk.sh.
// The config must be bound already (jssdk-client.mjs --token binds) and
// hold serverPublicKey/serverPublicKeyId.
//
// usage: node jssdk-writes.mjs --config FILE [--ca-file CA] OP [ARG...]
//   read                        every record: {uid: {data..., "files":
//                               [{name, title, type, size, sha256}]}}, each
//                               file downloaded (sha256 of its content)
//   folders                     [{uid, parentUid, name}] sorted by uid
//   create FOLDER [SUBFOLDER]   record data JSON on stdin; prints the UID
//   update UID [general|rotation]
//                               the record's new data JSON on stdin
//   complete UID commit|rollback
//   upload UID NAME TITLE MIME FILE
//                               prints the file UID
//   download UID FILEUID OUT    the attachment's bytes into OUT
//   mkdir SHAREDFOLDER PARENT|- NAME
//                               prints the folder UID
//   rename FOLDER NAME
//   delete UID...               prints Keeper's answer (JSON)
//   rmdir [--force] FOLDER...   prints Keeper's answer (JSON)
//
// Exit 1 on any error thrown by the SDK and on any console output of the
// SDK (it skips what it cannot decrypt with a console.error); exit 2 on a
// usage error.  Nothing secret goes to stderr.
import crypto from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import { createRequire } from 'node:module'

import { consoleOutput, sortKeys } from './jssdk-console.mjs'

const require = createRequire(import.meta.url)

function say (msg) {
	process.stderr.write(`jssdk-writes: ${msg}\n`)
}

function usage (msg) {
	say(msg)
	say('usage: node jssdk-writes.mjs --config FILE [--ca-file CA] OP [ARG...]')
	process.exit(2)
}

function need (args, n, what) {
	if (args.length < n) usage(`${what} needs ${n} argument(s)`)
}

async function findRecord (ksm, opts, uid) {
	const s = await ksm.getSecrets(opts, [uid])
	const r = s.records.find(x => x.recordUid === uid)
	if (!r) throw new Error(`record ${uid} is not shared with the application`)
	return r
}

async function main () {
	const argv = process.argv.slice(2)
	let config, caFile
	while (argv.length && argv[0].startsWith('--')) {
		const a = argv.shift()
		if (a === '--config') config = argv.shift()
		else if (a === '--ca-file') caFile = argv.shift()
		else usage(`unknown option ${a}`)
	}
	if (!config) usage('--config is required')
	const op = argv.shift()
	if (!op) usage('no operation')
	const ksm = require(process.env.KSM_JSSDK || '@keeper-security/secrets-manager-core')
	if (caFile) ksm.setCustomProxyAgent(new https.Agent({ ca: fs.readFileSync(caFile), keepAlive: false }))
	const opts = { storage: ksm.localConfigStorage(config) }
	if (!(await opts.storage.getString('serverPublicKey')))
		throw new Error('the config has no serverPublicKey')
	let out

	switch (op) {
	case 'read': {
		const s = await ksm.getSecrets(opts)
		out = {}
		for (const r of s.records) {
			const d = { ...r.data }
			if (r.files && r.files.length) {
				d.files = []
				for (const f of r.files) {
					const bytes = Buffer.from(await ksm.downloadFile(f))
					d.files.push({ name: f.data.name, title: f.data.title, type: f.data.type,
						size: f.data.size, sha256: crypto.createHash('sha256').update(bytes).digest('hex') })
				}
			}
			out[r.recordUid] = d
		}
		out = sortKeys(out)
		break
	}
	case 'folders': {
		const f = await ksm.getFolders(opts)
		out = f.map(x => ({ uid: x.folderUid, parentUid: x.parentUid || null, name: x.name }))
			.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0))
		break
	}
	case 'create': {
		need(argv, 1, 'create')
		const data = JSON.parse(fs.readFileSync(0, 'utf8'))
		const co = { folderUid: argv[0] }
		if (argv[1]) co.subFolderUid = argv[1]
		out = await ksm.createSecret2(opts, co, data)
		break
	}
	case 'update': {
		need(argv, 1, 'update')
		const r = await findRecord(ksm, opts, argv[0])
		r.data = JSON.parse(fs.readFileSync(0, 'utf8'))
		if (argv[1]) await ksm.updateSecret(opts, r, argv[1])
		else await ksm.updateSecret(opts, r)
		out = 'ok'
		break
	}
	case 'complete':
		need(argv, 2, 'complete')
		await ksm.completeTransaction(opts, argv[0], argv[1] === 'rollback')
		out = 'ok'
		break
	case 'upload': {
		need(argv, 5, 'upload')
		const r = await findRecord(ksm, opts, argv[0])
		out = await ksm.uploadFile(opts, r, { name: argv[1], title: argv[2], type: argv[3],
			data: new Uint8Array(fs.readFileSync(argv[4])) })
		break
	}
	case 'download': {
		need(argv, 3, 'download')
		const r = await findRecord(ksm, opts, argv[0])
		const f = (r.files || []).find(x => x.fileUid === argv[1])
		if (!f) throw new Error(`record ${argv[0]} has no file ${argv[1]}`)
		fs.writeFileSync(argv[2], Buffer.from(await ksm.downloadFile(f)), { mode: 0o600 })
		out = 'ok'
		break
	}
	case 'mkdir': {
		need(argv, 3, 'mkdir')
		await ksm.getFolders(opts)	// the folder keys, for a parent below the shared folder
		const co = { folderUid: argv[0] }
		if (argv[1] !== '-') co.subFolderUid = argv[1]
		out = await ksm.createFolder(opts, co, argv[2])
		break
	}
	case 'rename':
		need(argv, 2, 'rename')
		await ksm.getFolders(opts)	// the folder's own key
		await ksm.updateFolder(opts, argv[0], argv[1])
		out = 'ok'
		break
	case 'delete':
		need(argv, 1, 'delete')
		out = await ksm.deleteSecret(opts, argv)
		break
	case 'rmdir': {
		const force = argv[0] === '--force'
		if (force) argv.shift()
		need(argv, 1, 'rmdir')
		out = await ksm.deleteFolder(opts, argv, force)
		break
	}
	default:
		usage(`unknown operation ${op}`)
	}
	if (consoleOutput.length) throw new Error('the SDK wrote to the console:\n' + consoleOutput.join('\n'))
	process.stdout.write((typeof out === 'string' ? out : JSON.stringify(out, null, 2)) + '\n')
}

main().then(() => process.exit(0), e => {
	say(`${e.constructor.name}: ${e.message}`)
	for (const c of consoleOutput) say(c)
	process.exit(1)
})
