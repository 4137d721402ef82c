/**
 * Options of @fastify/swagger: an OpenAPI 3.1 document built from the route
 * schemas, with the bearer security scheme and the shared schemas under
 * components.schemas by their $id (Error, WorkItem, ConfigItem, RunAsAccount).
 */
import type { SwaggerOptions } from '@fastify/swagger';

export const openapiOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'smgr management server API',
      version: '1',
      description:
        'Work items, configuration items and Run As accounts of a management group. ' +
        'Sign in with POST /api/v1/sessions and send Authorization: Bearer <token>.',
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Token from POST /api/v1/sessions.' },
      },
    },
  },
  refResolver: {
    buildLocalReference: (json, _baseUri, _fragment, i) =>
      typeof json.$id === 'string' ? json.$id : `def-${i}`,
  },
};
