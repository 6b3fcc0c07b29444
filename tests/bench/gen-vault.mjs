// gen-vault.mjs N NOTATIONS-FILE M: print a keeper-sandbox vault of N login
// records (deterministic UIDs and values; one application "bench" sees
// them all) and write M notations (field/password of every (N/M)-th record,
// by UID) to NOTATIONS-FILE.  For tests/bench/bench.sh.
import crypto from 'node:crypto'
import fs from 'node:fs'

const n = Number(process.argv[2])
const file = process.argv[3]
const m = Number(process.argv[4])
if (!(n > 0) || !file || !(m > 0) || m > n) {
	process.stderr.write('usage: node gen-vault.mjs N NOTATIONS-FILE M (M <= N)\n')
	process.exit(2)
}
const uid = i => crypto.createHash('sha256').update(`bench-${i}`).digest('base64url').slice(0, 22)
const records = []
for (let i = 0; i < n; i++) {
	records.push({
		uid: uid(i),
		data: {
			title: `Bench Record ${i}`,
			type: 'login',
			fields: [
				{ type: 'login', value: [`user${i}@example.com`] },
				{ type: 'password', value: [`bench-pass-${i}-${uid(i + n)}`] },
				{ type: 'url', value: [`https://host${i}.example.com/`] }
			],
			custom: [{ type: 'text', label: 'index', value: [String(i)] }],
			notes: `generated record ${i}`
		}
	})
}
const vault = {
	applications: [{ name: 'bench', records: records.map(r => r.uid), folders: [], editable: false }],
	folders: [],
	records
}
const step = Math.floor(n / m)
const lines = []
for (let k = 0; k < m; k++) lines.push(`${records[k * step].uid}/field/password`)
fs.writeFileSync(file, lines.join('\n') + '\n')
process.stdout.write(JSON.stringify(vault) + '\n')
