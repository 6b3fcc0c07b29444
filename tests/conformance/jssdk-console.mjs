// jssdk-console.mjs: console capture for the scripts that drive the JS SDK
// (jssdk-client.mjs, jssdk-notation.mjs, jssdk-writes.mjs), and the
// canonical JSON they print.  Importing it replaces every
// console method, before the SDK is loaded, with one that only records
// "console.LEVEL: text" in consoleOutput; each script decides what its
// SDK's console output means (jssdk-client.mjs: any line is a failure).
export const consoleOutput = []
for (const level of ['error', 'warn', 'log', 'info', 'debug', 'trace']) {
	console[level] = (...args) => {
		const text = args.map(a => (a instanceof Error ? `${a.constructor.name}: ${a.message}` : String(a))).join(' ')
		consoleOutput.push(`console.${level}: ${text}`)
	}
}

// v with the keys of every object sorted: output two clients can diff
export function sortKeys (v) {
	if (Array.isArray(v)) return v.map(sortKeys)
	if (v && typeof v === 'object') {
		const o = {}
		for (const k of Object.keys(v).sort()) o[k] = sortKeys(v[k])
		return o
	}
	return v
}
