/**
 * What every CLI of the project shares: a failure prints one line a person can act on and exits
 * non-zero; a stack trace only with DEBUG set.
 */
export async function runCli(main: () => Promise<void>): Promise<void> {
	try {
		await main();
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		process.stderr.write(`error: ${message.split('\n')[0]}\n`);
		if (process.env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
		process.exitCode = 1;
	}
}
