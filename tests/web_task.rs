//! Browser tests of the web layer's executor (`web::task`): when a spawned future first runs, how a promise's
//! outcome comes back, wakes during a drain, and a future whose promise settles after it was dropped.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use stepup::web::task::{promise, settled, spawn};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A promise and the functions that settle it.
fn deferred() -> (Promise, Function, Function) {
    let mut fns = None;
    let p = Promise::new(&mut |resolve, reject| fns = Some((resolve, reject)));
    let (resolve, reject) = fns.unwrap();
    (p, resolve, reject)
}

#[wasm_bindgen_test]
async fn a_spawned_future_runs_after_the_call_that_spawned_it() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    spawn(async move { l.borrow_mut().push("task") });
    log.borrow_mut().push("after spawn");
    settled(Promise::resolve(&JsValue::NULL)).await.unwrap();
    settled(Promise::resolve(&JsValue::NULL)).await.unwrap();
    assert_eq!(*log.borrow(), ["after spawn", "task"]);
}

#[wasm_bindgen_test]
async fn settled_gives_the_value_or_the_reason() {
    assert_eq!(settled(Promise::resolve(&JsValue::from(7))).await.unwrap(), JsValue::from(7));
    assert_eq!(settled(Promise::reject(&JsValue::from_str("no"))).await.unwrap_err(), JsValue::from_str("no"));
    // A promise that settles later, after the future went to sleep on it.
    let (p, resolve, _) = deferred();
    let waiting = settled(p);
    let later = Closure::once_into_js(move || {
        resolve.call1(&JsValue::NULL, &JsValue::from_str("later")).unwrap();
    });
    web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 5).unwrap();
    assert_eq!(waiting.await.unwrap(), JsValue::from_str("later"));
}

#[wasm_bindgen_test]
async fn promise_resolves_and_rejects_with_the_futures_outcome() {
    assert_eq!(settled(promise(async { Ok(JsValue::from(1)) })).await.unwrap(), JsValue::from(1));
    assert_eq!(settled(promise(async { Err(JsValue::from(2)) })).await.unwrap_err(), JsValue::from(2));
}

#[wasm_bindgen_test]
async fn tasks_woken_together_all_finish_and_a_dropped_wait_is_harmless() {
    let (gate, open, _) = deferred();
    let done = Rc::new(Cell::new(0));
    for _ in 0..50 {
        let (gate, done) = (gate.clone(), done.clone());
        spawn(async move {
            settled(gate).await.unwrap();
            done.set(done.get() + 1);
        });
    }
    // A future dropped before its promise settles: the settling finds nobody waiting.
    let (orphan, settle_orphan, _) = deferred();
    drop(settled(orphan));
    settled(Promise::resolve(&JsValue::NULL)).await.unwrap();
    assert_eq!(done.get(), 0, "all 50 wait on the gate");
    open.call0(&JsValue::NULL).unwrap();
    settle_orphan.call0(&JsValue::NULL).unwrap();
    // Each task wakes in a microtask after the gate's callbacks: wait on the gate ourselves, then one more turn.
    settled(gate).await.unwrap();
    settled(Promise::resolve(&JsValue::NULL)).await.unwrap();
    settled(Promise::resolve(&JsValue::NULL)).await.unwrap();
    assert_eq!(done.get(), 50);
}

#[wasm_bindgen_test]
async fn settle_wakes_every_waiter_with_the_first_value() {
    use stepup::web::util::Settle;
    let s: Settle<u32> = Settle::new();
    let got = Rc::new(RefCell::new(Vec::new()));
    for _ in 0..3 {
        let (s, got) = (s.clone(), got.clone());
        spawn(async move {
            let v = s.wait().await;
            got.borrow_mut().push(v);
        });
    }
    settled(Promise::resolve(&JsValue::NULL)).await.unwrap();
    assert!(got.borrow().is_empty(), "nobody has a value before the slot is filled");
    assert!(s.settle(1));
    assert!(!s.settle(2), "the first value wins");
    settled(Promise::resolve(&JsValue::NULL)).await.unwrap();
    assert_eq!(*got.borrow(), [Some(1), Some(1), Some(1)]);
    // Filled already: no wait.
    assert_eq!(s.wait().await, Some(1));
}
