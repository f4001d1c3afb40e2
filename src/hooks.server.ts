import type { ServerInit } from '@sveltejs/kit';
import { startPipelineService } from '$lib/server/pipeline/in-server';

/** Server start: the nightly schedule and the control file the command line uses to reach us. */
export const init: ServerInit = async () => {
	startPipelineService();
};
