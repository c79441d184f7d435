using System.Collections.ObjectModel;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A list whose writers take the lock on the list itself, so that a test reading it under <c>lock (list)</c> never meets
/// a writer half-way. OpenTelemetry's in-memory exporter adds to the collection it is given from the exporting thread
/// without any lock; a plain <see cref="List{T}"/> read at the same time throws "Collection was modified".
/// </summary>
/// <typeparam name="T">The items.</typeparam>
internal sealed class LockedCollection<T> : Collection<T>
{
    /// <inheritdoc />
    protected override void InsertItem(int index, T item)
    {
        lock (this)
        {
            base.InsertItem(index, item);
        }
    }

    /// <inheritdoc />
    protected override void SetItem(int index, T item)
    {
        lock (this)
        {
            base.SetItem(index, item);
        }
    }

    /// <inheritdoc />
    protected override void RemoveItem(int index)
    {
        lock (this)
        {
            base.RemoveItem(index);
        }
    }

    /// <inheritdoc />
    protected override void ClearItems()
    {
        lock (this)
        {
            base.ClearItems();
        }
    }
}
