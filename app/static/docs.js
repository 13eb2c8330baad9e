// /docs: Swagger UI over this server's /openapi.json. No validator badge (it would call a
// server on the internet) and no OAuth2 (keys go in "Authorize" as bearer tokens).
window.addEventListener("DOMContentLoaded", function () {
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
  });
});
