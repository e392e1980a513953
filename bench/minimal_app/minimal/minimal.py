import reflex as rx


class Counter(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1


def index() -> rx.Component:
    return rx.vstack(
        rx.heading("Minimal", id="hero"),
        rx.text(Counter.count, id="count"),
        rx.button("+1", on_click=Counter.increment, id="increment"),
    )


app = rx.App()
app.add_page(index)
