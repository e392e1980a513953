import { useEffect, useRef, useState } from "react";

// Keeps what the owner types in the enclosing <form> in this tab's
// sessionStorage, and puts it back when the form mounts again. A page that
// reconnects under a new Reflex session token gets a fresh server state and
// re-mounts its form with the saved values: this is what brings the unsaved
// typing back. `wholeForm`: keep every field (a new car's form, whose
// defaults are not saved anywhere) or only the fields changed from their
// default (an edit form: fields nobody touched follow the database).
const read = (key) => {
  try {
    return JSON.parse(window.sessionStorage.getItem(key) || "null");
  } catch {
    return null;
  }
};

const fieldsOf = (form) =>
  Array.from(form.elements).filter(
    (el) => el.name && !["submit", "button", "file"].includes(el.type),
  );

const isChanged = (el) => {
  if (el.type === "checkbox" || el.type === "radio") {
    return el.checked !== el.defaultChecked;
  }
  if (el.tagName === "SELECT") {
    return Array.from(el.options).some((o) => o.selected !== o.defaultSelected);
  }
  return el.value !== el.defaultValue;
};

const setValue = (el, value) => {
  if (el.type === "checkbox" || el.type === "radio") {
    el.checked = Boolean(value);
  } else {
    const proto = el.tagName === "SELECT" ? HTMLSelectElement.prototype
      : el.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype
      : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, "value").set.call(el, value);
  }
  el.dispatchEvent(new Event("input", { bubbles: true }));
  el.dispatchEvent(new Event("change", { bubbles: true }));
};

export function FormDraft({ storageKey, wholeForm = false, notice, clearLabel }) {
  const anchor = useRef(null);
  const [restored, setRestored] = useState(false);

  useEffect(() => {
    const form = anchor.current && anchor.current.closest("form");
    if (!form || !storageKey) return undefined;
    const draft = read(storageKey);
    let restoring = false;
    if (draft && typeof draft === "object") {
      restoring = true;
      let any = false;
      for (const el of fieldsOf(form)) {
        if (Object.prototype.hasOwnProperty.call(draft, el.name)) {
          const current = el.type === "checkbox" ? el.checked : el.value;
          if (current !== draft[el.name]) {
            setValue(el, draft[el.name]);
            any = true;
          }
        }
      }
      restoring = false;
      setRestored(any);
    }
    const save = () => {
      if (restoring) return;
      const snapshot = {};
      let any = false;
      for (const el of fieldsOf(form)) {
        if (wholeForm || isChanged(el)) {
          snapshot[el.name] = el.type === "checkbox" ? el.checked : el.value;
          any = any || isChanged(el);
        }
      }
      try {
        if (any) {
          window.sessionStorage.setItem(storageKey, JSON.stringify(snapshot));
        } else {
          window.sessionStorage.removeItem(storageKey);
        }
      } catch {
        // Storage full or disabled: the form still works, without a draft.
      }
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    return () => {
      form.removeEventListener("input", save);
      form.removeEventListener("change", save);
    };
  }, [storageKey, wholeForm]);

  const clear = () => {
    // Back to the defaults (the events this fires leave no draft), then forget it.
    const form = anchor.current && anchor.current.closest("form");
    if (form) {
      for (const el of fieldsOf(form)) {
        if (el.type === "checkbox" || el.type === "radio") {
          setValue(el, el.defaultChecked);
        } else if (el.tagName === "SELECT") {
          const initial = Array.from(el.options).find((o) => o.defaultSelected);
          setValue(el, initial ? initial.value : "");
        } else {
          setValue(el, el.defaultValue);
        }
      }
    }
    window.sessionStorage.removeItem(storageKey);
    setRestored(false);
  };

  return (
    <span ref={anchor} className="form-draft">
      {restored ? (
        <span className="form-draft-notice" role="status" id="draft-restored">
          {notice}{" "}
          <button type="button" className="form-draft-clear" id="draft-clear" onClick={clear}>
            {clearLabel}
          </button>
        </span>
      ) : null}
    </span>
  );
}
