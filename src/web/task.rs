//! The page's futures: a task queue drained in a microtask, a promise as a future, a future as a promise.
//!
//! Why not `wasm-bindgen-futures`: its executor also carries a JSPI waker, a second queue kind and a lookup of the
//! global object through four imports, about 1 KB gzip of the npm package for what the flows need here: run a
//! future to its end, await a JS promise, hand a JS caller a promise. The Rust adapters (Leptos, Yew) keep using
//! theirs; both executors only ever queue microtasks, so they share a page without knowing of each other.
//!
//! One thread (the page's; `util::PageLocal` says why that holds), so the `Rc`s behind the wakers are never
//! touched concurrently even though `Waker` is `Send`.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use super::util::{PageLocal, TrapCell};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(f: &JsValue);
    /// A promise, to call `then(ok, err)` with functions JS owns (js-sys's `then2` wants Rust-owned closures).
    type Thenable;
    #[wasm_bindgen(method, js_name = then)]
    fn then_both(this: &Thenable, ok: &JsValue, err: &JsValue);
}

type Boxed = Pin<Box<dyn Future<Output = ()>>>;

/// A spawned future; `None` once it finished.
struct Task {
    future: TrapCell<Option<Boxed>>,
    queued: Cell<bool>,
}

/// Tasks woken since the last drain, and the one JS function that drains them (made on first use).
static QUEUE: PageLocal<TrapCell<Vec<Rc<Task>>>> = PageLocal::new(TrapCell::new(Vec::new()));
static DRAIN: PageLocal<TrapCell<Option<JsValue>>> = PageLocal::new(TrapCell::new(None));

/// Run `future` to its end, polling it first in a microtask (not inside this call).
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    spawn_boxed(Box::pin(future));
}

#[inline(never)]
fn spawn_boxed(future: Boxed) {
    schedule(Rc::new(Task { future: TrapCell::new(Some(future)), queued: Cell::new(false) }));
}

/// Queue `task` unless it already is; the first task of a batch queues the drain.
fn schedule(task: Rc<Task>) {
    if task.queued.replace(true) {
        return;
    }
    let first = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        q.push(task);
        q.len() == 1
    });
    if first {
        DRAIN.with(|d| {
            let mut d = d.borrow_mut();
            let f = d.get_or_insert_with(|| wasm_bindgen::closure::Closure::<dyn FnMut()>::wrap(Box::new(drain)).into_js_value());
            queue_microtask(f);
        });
    }
}

/// Poll every queued task, including those woken meanwhile. The queue is not borrowed while a task runs, so a
/// task may wake itself or others.
fn drain() {
    loop {
        let batch = QUEUE.with(|q| core::mem::take(&mut *q.borrow_mut()));
        if batch.is_empty() {
            return;
        }
        for task in batch {
            run(task);
        }
    }
}

fn run(task: Rc<Task>) {
    task.queued.set(false);
    let waker = waker(&task);
    let mut slot = task.future.borrow_mut();
    if let Some(future) = slot.as_mut() {
        if future.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
            *slot = None;
        }
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake_by_ref, drop_waker);

fn waker(task: &Rc<Task>) -> Waker {
    // SAFETY: the pointer is an `Rc<Task>` given to the waker, and every function of VTABLE treats it as one.
    unsafe { Waker::from_raw(RawWaker::new(Rc::into_raw(task.clone()).cast(), &VTABLE)) }
}

// SAFETY (the four below): `p` came from `Rc::into_raw` of an `Rc<Task>` in `waker`, and each call keeps the
// count right: clone adds one, wake consumes the waker's, wake_by_ref borrows it, drop releases it.
unsafe fn clone_waker(p: *const ()) -> RawWaker {
    Rc::increment_strong_count(p.cast::<Task>());
    RawWaker::new(p, &VTABLE)
}

unsafe fn wake(p: *const ()) {
    schedule(Rc::from_raw(p.cast::<Task>()));
}

unsafe fn wake_by_ref(p: *const ()) {
    Rc::increment_strong_count(p.cast::<Task>());
    schedule(Rc::from_raw(p.cast::<Task>()));
}

unsafe fn drop_waker(p: *const ()) {
    drop(Rc::from_raw(p.cast::<Task>()));
}

/// A JS promise as a future of its outcome: `Ok` with the value it resolved to, `Err` with the reason it
/// rejected with. Dropping the future before the promise settles is fine: the callbacks then find nobody waiting.
pub struct Settled {
    state: Rc<TrapCell<Outcome>>,
}

/// The promise's outcome once it settled, and the waker of the task waiting for it.
type Outcome = (Option<Result<JsValue, JsValue>>, Option<Waker>);

/// `promise.then(…, …)` into a [`Settled`]. The two callbacks are owned by JS (freed with the promise).
pub fn settled(promise: Promise) -> Settled {
    let state: Rc<TrapCell<Outcome>> = Rc::new(TrapCell::new((None, None)));
    let callback = |ok: bool| {
        let state = state.clone();
        value_callback(Box::new(move |v: JsValue| {
            let waker = {
                let mut s = state.borrow_mut();
                if s.0.is_none() {
                    s.0 = Some(if ok { Ok(v) } else { Err(v) });
                }
                s.1.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }))
    };
    promise.unchecked_ref::<Thenable>().then_both(&callback(true), &callback(false));
    Settled { state }
}

#[inline(never)]
fn value_callback(f: Box<dyn FnMut(JsValue)>) -> JsValue {
    wasm_bindgen::closure::Closure::wrap(f).into_js_value()
}

impl Future for Settled {
    type Output = Result<JsValue, JsValue>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.state.borrow_mut();
        match s.0.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                s.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// A promise of `future`'s outcome for a JS caller, the future run by [`spawn`].
pub fn promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    promise_boxed(Box::pin(future))
}

#[inline(never)]
fn promise_boxed(future: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>) -> Promise {
    let mut settle: Option<(Function, Function)> = None;
    // The executor runs synchronously inside `new Promise`, so both functions are here when it returns.
    let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    spawn(async move {
        let outcome = future.await;
        if let Some((resolve, reject)) = settle {
            let _ = match outcome {
                Ok(v) => resolve.call1(&JsValue::UNDEFINED, &v),
                Err(e) => reject.call1(&JsValue::UNDEFINED, &e),
            };
        }
    });
    promise
}
