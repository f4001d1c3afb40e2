/**
 * Errors in a transforms project (files, YAML, Jinja, graph) as one line a person can act on:
 * the file, the line where known, what is wrong and what to do.
 */
export class ProjectError extends Error {
	override name = 'ProjectError';

	constructor(
		message: string,
		readonly file?: string,
		readonly line?: number,
		options?: ErrorOptions
	) {
		super(file ? `${file}${line ? `:${line}` : ''}: ${message}` : message, options);
	}
}
