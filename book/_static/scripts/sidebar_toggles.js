/* On a phone, the menu button (the chapter list) and the contents button open their sidebars.
 * pydata-sphinx-theme 0.17 listens for clicks on the first .primary-toggle and .secondary-toggle of
 * the page only, which are its own header's buttons (hidden in this book's layout); the buttons a reader
 * sees are sphinx-book-theme's, further down, and did nothing (pydata-sphinx-theme issue #2451). This
 * forwards their clicks to the theme's own buttons, which open the sidebar dialogs as the theme means
 * them to. Remove it when the theme listens on every toggle. Added by _config.yml (html_js_files). */
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary", "secondary"]) {
    const [themes, ...others] = document.querySelectorAll(`.${kind}-toggle`);
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        themes.click();
      });
    }
  }
});
