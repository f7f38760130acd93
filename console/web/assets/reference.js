// The API reference: the vendored Swagger UI renders the contract this
// function serves beside it (no CDN, no calls elsewhere).
window.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({
    url: "/app/api/openapi.yaml",
    domNode: document.getElementById("reference"),
    deepLinking: false,
    validatorUrl: null,
    tryItOutEnabled: false,
    supportedSubmitMethods: [],
  });
});
