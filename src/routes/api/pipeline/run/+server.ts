/**
 * POST /api/pipeline/run — runs the pipeline now and streams its progress as text lines; the last
 * line is `RESULT <json>`. Guarded by the control token (the command line's way in) until sign-in
 * and roles exist.
 */
import { error } from '@sveltejs/kit';
import { isControlToken } from '$lib/server/pipeline/control';
import { runServerPipeline, serverControl } from '$lib/server/pipeline/in-server';
import { PipelineBusyError } from '$lib/server/pipeline/run-pipeline';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ request }) => {
	const control = serverControl();
	if (!control || !isControlToken(control.token, request.headers.get('authorization'))) {
		error(401, 'A valid control token is required (see DATA_DIR/server.json).');
	}
	const encoder = new TextEncoder();
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			const send = (line: string) => controller.enqueue(encoder.encode(`${line}\n`));
			try {
				const outcome = await runServerPipeline('cli', send);
				send(`RESULT ${JSON.stringify(outcome)}`);
			} catch (err) {
				const busy = err instanceof PipelineBusyError;
				send(
					`RESULT ${JSON.stringify({ status: busy ? 'busy' : 'failed', message: (err as Error).message })}`
				);
			} finally {
				controller.close();
			}
		}
	});
	return new Response(stream, {
		headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }
	});
};
