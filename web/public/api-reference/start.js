// Renders /api/openapi.json on the API reference page with the self-hosted Swagger UI bundle (loaded before this).
/* global window */
window.SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  // No badge from validator.swagger.io: the page fetches nothing from other origins.
  validatorUrl: null,
  defaultModelsExpandDepth: 0,
  docExpansion: 'list',
  filter: true,
  tryItOutEnabled: false,
  // "Try it out" calls this origin and may send the session cookie, like the app.
  withCredentials: true,
});
