// jssdk-console.mjs: console capture for the scripts that drive the JS SDK
// (jssdk-client.mjs, jssdk-notation.mjs).  Importing it replaces every
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
